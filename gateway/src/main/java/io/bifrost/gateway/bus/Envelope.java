package io.bifrost.gateway.bus;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import io.bifrost.gateway.hub.Delivery;
import io.bifrost.gateway.hub.WireFrame;

/**
 * What travels on a channel's pub/sub: a one-line text header, then the websocket frame already encoded.
 * The publish script writes it: {@code B2 <epoch> <offset> <publish µs> <origin instance>\n<frame>}.
 */
final class Envelope {
    private static final byte[] MAGIC = "B2 ".getBytes(StandardCharsets.US_ASCII);

    private Envelope() {
    }

    /**
     * @param channel the gateway channel it arrived on
     * @param message the pub/sub message
     * @return the delivery it carries, or null for anything this version did not write
     */
    static Delivery decode(String channel, byte[] message) {
        if (message.length < MAGIC.length || !Arrays.equals(message, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
            return null;
        }
        int newline = -1;
        for (int i = MAGIC.length; i < Math.min(message.length, 256); i++) {
            if (message[i] == '\n') {
                newline = i;
                break;
            }
        }
        if (newline < 0) {
            return null;
        }
        String[] head = new String(message, MAGIC.length, newline - MAGIC.length, StandardCharsets.US_ASCII)
                .split(" ");
        if (head.length < 3) {
            return null;
        }
        try {
            long offset = Long.parseLong(head[1]);
            long publishedMicros = Long.parseLong(head[2]);
            byte[] frame = Arrays.copyOfRange(message, newline + 1, message.length);
            return new Delivery(channel, head[0], offset, WireFrame.ofEncoded(frame), publishedMicros);
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
