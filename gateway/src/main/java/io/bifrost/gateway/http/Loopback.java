package io.bifrost.gateway.http;

import java.net.InetSocketAddress;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;

/**
 * Whether a request comes from a browser on this machine: the one policy for everything that hands out a token signed
 * with the real secret in development ({@code /test}, the dashboard's "try it" panel).
 */
public final class Loopback {
    private Loopback() {
    }

    /**
     * A request a proxy forwarded comes from the proxy's address, which may be this machine's, so a forwarding header
     * rules it out.
     *
     * @param req the request
     * @return true if its peer is a loopback address and no proxy says it forwarded it
     */
    public static boolean fromThisMachine(ServerRequest req) {
        boolean loopback = req.remotePeer().address() instanceof InetSocketAddress address
                && address.getAddress() != null && address.getAddress().isLoopbackAddress();
        return loopback && !req.headers().contains(HeaderNames.FORWARDED)
                && !req.headers().contains(HeaderNames.X_FORWARDED_FOR)
                && !req.headers().contains(HeaderNames.create("X-Real-IP"));
    }
}
