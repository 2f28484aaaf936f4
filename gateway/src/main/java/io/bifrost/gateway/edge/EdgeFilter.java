package io.bifrost.gateway.edge;

import java.util.Optional;
import java.util.Set;

import io.bifrost.protocol.Json;

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
 *       came over the connection limit. Helidon 4.5.0 reads on after a {@code Connection: close} request, so bytes
 *       behind it (a body on a GET, say) would be parsed as a second request: a smuggled one.</li>
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
        if (!paths.contains(req.prologue().uriPath().rawPath())) {
            res.status(Status.NOT_FOUND_404).header(HeaderValues.CONTENT_TYPE_JSON)
                    .send("{\"error\":" + Json.quote("no such path; the gateway serves " + String.join(", ",
                            paths.stream().sorted().toList()) + ", matched exactly") + "}");
        } else {
            chain.proceed();
        }
        if (close) {
            // Thrown after the answer was sent: Helidon ends the connection without reading another request.
            throw new CloseConnectionException("closing after the answer, as the request asked");
        }
    }
}
