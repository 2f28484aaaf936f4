package io.bifrost.gateway.warmup;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.Inet6Address;
import java.net.InetSocketAddress;

/**
 * The little HTTP/1.1 the warm-up's clients speak: a head's lines, and the {@code Host} to send.
 */
final class HttpLines {
    private static final int MAX_LINE = 8192;

    private HttpLines() {
    }

    /**
     * @param in where the head comes from
     * @return the next line without its CRLF
     * @throws IOException if the connection ended or the line is longer than any the gateway sends
     */
    static String read(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("the gateway ended the connection in an answer's head");
            }
            if (b == '\n') {
                boolean cr = line.length() > 0 && line.charAt(line.length() - 1) == '\r';
                return line.substring(0, cr ? line.length() - 1 : line.length());
            }
            if (line.length() == MAX_LINE) {
                throw new IOException("a head line over " + MAX_LINE + " bytes");
            }
            line.append((char) b);
        }
    }

    /**
     * @param address the gateway
     * @return its {@code Host} header value; an IPv6 literal in brackets
     */
    static String host(InetSocketAddress address) {
        String ip = address.getAddress().getHostAddress();
        return (address.getAddress() instanceof Inet6Address ? "[" + ip + "]" : ip) + ":" + address.getPort();
    }
}
