import HTTPServer

/// The answer to a browser's CORS preflight (`OPTIONS`), for every path.
///
/// Single-page apps call the token endpoint cross-origin, and msal-browser adds headers a simple
/// request cannot carry (`X-AnchorMailbox` on every silent refresh, `client-request-id`), so the
/// browser asks first and refuses the call unless the answer allows the method and each header.
/// Entra answers these preflights (msal-js#3094 calls them a cost, not a failure); its exact
/// headers are not documented, so MockEntra allows any origin, GET and POST, and echoes the
/// headers asked for (our choice). Header values cannot carry line breaks (the parser refuses
/// them), so echoing cannot write a second header.
enum CORSPreflight {
    static func response(to request: HTTPRequest) -> HTTPResponse {
        var headers = HTTPHeaders([("Access-Control-Allow-Origin", "*"),
                                   ("Access-Control-Allow-Methods", "GET, POST, OPTIONS"),
                                   ("Access-Control-Max-Age", "86400")])
        if let asked = request.headers["Access-Control-Request-Headers"], !asked.isEmpty {
            headers.add("Access-Control-Allow-Headers", asked)
        }
        return HTTPResponse(status: 204, headers: headers)
    }
}
