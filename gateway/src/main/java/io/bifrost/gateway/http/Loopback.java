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
     * rules it out. The page must also have been asked for by a loopback name: a site whose name was re-pointed at
     * 127.0.0.1 (DNS rebinding) reaches the gateway from the browser on this machine, but under its own name.
     *
     * @param req the request
     * @return true if its peer is a loopback address, its {@code Host} a loopback name, and no proxy says it forwarded
     *         it
     */
    public static boolean fromThisMachine(ServerRequest req) {
        boolean loopback = req.remotePeer().address() instanceof InetSocketAddress address
                && address.getAddress() != null && address.getAddress().isLoopbackAddress();
        return loopback && loopbackHost(req.headers().first(HeaderNames.HOST).orElse(""))
                && !req.headers().contains(HeaderNames.FORWARDED)
                && !req.headers().contains(HeaderNames.X_FORWARDED_FOR)
                && !req.headers().contains(HeaderNames.create("X-Real-IP"));
    }

    private static boolean loopbackHost(String host) {
        String name = host.startsWith("[") ? host.substring(0, host.indexOf(']') + 1)
                : host.contains(":") ? host.substring(0, host.indexOf(':')) : host;
        return name.equalsIgnoreCase("localhost") || name.equals("[::1]")
                || name.matches("127\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}");
    }
}
