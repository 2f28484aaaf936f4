package io.bifrost.gateway.edge;

import io.bifrost.protocol.Json;

import io.helidon.http.DirectHandler;
import io.helidon.http.HeaderValues;
import io.helidon.http.ServerResponseHeaders;
import io.helidon.http.Status;

/**
 * What Helidon answers by itself, before any route (a malformed request line, bad headers, ambiguous framing, a
 * request line or head too long): a JSON error in the gateway's words, never Helidon's message or an exception's.
 * Helidon closes the connection after each of these.
 */
final class DirectAnswers implements DirectHandler {
    @Override
    public TransportResponse handle(TransportRequest request, EventType eventType, Status defaultStatus,
                                    ServerResponseHeaders headers, String message) {
        // Helidon answers a Transfer-Encoding it does not know with 501: a caller's mistake, so a 400 here.
        Status status = defaultStatus.code() == 501 ? Status.BAD_REQUEST_400 : defaultStatus;
        String error = switch (status.code()) {
            case 400 -> "the request is malformed (request line, headers or body framing); nothing was done";
            case 413 -> "the request body is too large";
            case 414 -> "the request line is too long";
            case 431 -> "the request headers are too large";
            case 505 -> "this HTTP version is not supported; use HTTP/1.1";
            default -> status.code() >= 500 ? "internal error; nothing was done" : "the request was refused";
        };
        headers.set(HeaderValues.CONTENT_TYPE_JSON);
        return TransportResponse.builder()
                .status(status)
                .headers(headers)
                .entity("{\"error\":" + Json.quote(error) + "}")
                .build();
    }
}
