package io.bifrost.gateway.edge;

import java.util.Optional;
import java.util.Set;

import io.bifrost.protocol.Json;

import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Status;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;

/**
 * The HTTP rules every request passes before its handler:
 * <ul>
 *   <li>Only the exact paths the gateway serves reach a handler. Aliases a proxy's allow and deny rules would not
 *       recognise ({@code //broadcast}, {@code /broadcast;x}, {@code /x/../broadcast}, percent-encoded letters)
 *       get 404.</li>
 *   <li>A connection is closed after its answer when the request said {@code Connection: close}, spoke HTTP/1.0 or
 *       came over the connection limit, or when the answer says so. Helidon 4.5.0 reads on after a
 *       {@code Connection: close} request, so bytes behind it (a body on a GET, say) would be parsed as a second
 *       request: a smuggled one.</li>
 *   <li>Chunked request bodies are refused (400, then the connection is closed) without a byte of them read:
 *       Helidon's chunk decoder is lenient (it skips the two bytes after a chunk without checking they are CRLF, and
 *       answers bad chunk sizes with 500), and a decoder that reads a body differently from the proxy in front is
 *       how requests are smuggled. Every client of the gateway sends {@code Content-Length}.</li>
 * </ul>
 */
final class EdgeFilter implements Filter {
    private final Set<String> paths;
    private final Connections connections;

    EdgeFilter(Set<String> paths, Connections connections) {
        this.paths = Set.copyOf(paths);
        this.connections = connections;
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        Optional<TrackedConnection> connection = connections.current();
        boolean close = req.headers().containsToken(HeaderValues.CONNECTION_CLOSE)
                || connection.map(TrackedConnection::closesAfterAnswer).orElse(false);
        if (close) {
            connection.ifPresent(TrackedConnection::closeAfterAnswer);
            res.header(HeaderValues.CONNECTION_CLOSE);
        }
        if (req.headers().contains(HeaderNames.TRANSFER_ENCODING)) {
            close = true;
            connection.ifPresent(TrackedConnection::closeAfterAnswer);
            res.status(Status.BAD_REQUEST_400).header(HeaderValues.CONNECTION_CLOSE)
                    .header(HeaderValues.CONTENT_TYPE_JSON)
                    .send("{\"error\":\"chunked request bodies are not accepted; send the body with Content-Length\"}");
        } else if (!paths.contains(req.prologue().uriPath().rawPath())) {
            res.status(Status.NOT_FOUND_404).header(HeaderValues.CONTENT_TYPE_JSON)
                    .send("{\"error\":" + Json.quote("no such path; the gateway serves " + String.join(", ",
                            paths.stream().sorted().toList()) + ", matched exactly") + "}");
        } else {
            chain.proceed();
        }
        if (close || res.headers().containsToken(HeaderValues.CONNECTION_CLOSE)) {
            // Thrown after the answer was sent: Helidon ends the connection without reading another request.
            throw new CloseConnectionException("closing after the answer, as the request asked");
        }
    }
}
