package io.bifrost.gateway.dashboard;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Optional;

import io.bifrost.gateway.config.Mode;
import io.bifrost.gateway.http.JsonReply;
import io.bifrost.gateway.http.Loopback;

import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Status;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * Who may see the dashboard. With {@code BIFROST_DASHBOARD_TOKEN} set, only a request that carries it, as
 * {@code Authorization: Bearer <token>} or {@code ?token=<token>} (what a browser's event stream can send); without
 * it, nobody in production (404, as if there were no dashboard) and, in development, a browser on this machine only
 * (the rule of {@code /test}). The comparison takes the
 * same time whatever the guess, and the token is never logged nor echoed.
 */
final class DashboardGate {
    private static final String BEARER = "Bearer ";

    private final Mode mode;
    private final Optional<byte[]> expected;

    DashboardGate(Mode mode, Optional<String> token) {
        this.mode = mode;
        this.expected = token.map(DashboardGate::digest);
    }

    /**
     * @param handler what an admitted request gets
     * @return the handler behind the gate
     */
    Handler guard(Handler handler) {
        return (req, res) -> {
            if (admit(req, res)) {
                handler.handle(req, res);
            }
        };
    }

    private boolean admit(ServerRequest req, ServerResponse res) {
        if (expected.isEmpty()) {
            if (mode == Mode.DEVELOPMENT) {
                // Development is the default mode, often on 0.0.0.0: channel names are the app's, so only this
                // machine sees them, as with /test.
                if (Loopback.fromThisMachine(req)) {
                    return true;
                }
                res.status(Status.FORBIDDEN_403).header(HeaderValues.CONTENT_TYPE_JSON)
                        .send("{\"error\":\"in development the dashboard is served to a browser on this machine only;"
                                + " set BIFROST_DASHBOARD_TOKEN to open it to others\"}");
                return false;
            }
            res.status(Status.NOT_FOUND_404).header(HeaderValues.CONTENT_TYPE_JSON)
                    .send("{\"error\":\"no dashboard: set BIFROST_DASHBOARD_TOKEN to serve /dashboard in production\"}");
            return false;
        }
        Optional<String> presented = presented(req);
        // Digests of equal length, compared in constant time: neither the token's length nor its prefix leaks.
        if (presented.isPresent() && MessageDigest.isEqual(expected.get(), digest(presented.get()))) {
            return true;
        }
        JsonReply.send(res.header(HeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"bifrost dashboard\"")
                        .header(HeaderNames.CACHE_CONTROL, "no-store"), Status.UNAUTHORIZED_401,
                JsonReply.object("error", presented.isPresent()
                        ? "wrong dashboard token; use the value of BIFROST_DASHBOARD_TOKEN"
                        : "the dashboard needs its token: send Authorization: Bearer <BIFROST_DASHBOARD_TOKEN>, or open"
                                + " /dashboard?token=<it>"));
        return false;
    }

    private static Optional<String> presented(ServerRequest req) {
        Optional<String> header = req.headers().first(HeaderNames.AUTHORIZATION);
        if (header.isPresent() && header.get().regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return Optional.of(header.get().substring(BEARER.length()).trim());
        }
        try {
            return req.query().first("token").asOptional();
        } catch (RuntimeException e) {
            // A query that does not decode carries no token.
            return Optional.empty();
        }
    }

    private static byte[] digest(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM lacks SHA-256, which every Java platform must have", e);
        }
    }
}
