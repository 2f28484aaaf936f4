package io.bifrost.gateway.bus;

import java.util.List;
import java.util.Optional;

import io.bifrost.gateway.hub.Delivery;

/**
 * Decides what a socket resuming at a position is owed on a channel whose delivered head is {@code epoch:last}: the
 * same rule on every bus, so a client sees the same answer whichever instance it reconnects to.
 *
 * @param recovered true if {@code missed} is everything since the position
 * @param missed    the broadcasts after the position up to the head, oldest first
 */
record Resumption(boolean recovered, List<Delivery> missed) {
    private static final Resumption NOTHING_MISSED = new Resumption(true, List.of());
    private static final Resumption NOT_RECOVERED = new Resumption(false, List.of());

    /** Reads a channel's history. */
    @FunctionalInterface
    interface Range {
        /**
         * @param after offset after which to read
         * @param upTo  last offset to read
         * @return every broadcast in {@code (after, upTo]}, in order, or empty when the history no longer holds them
         *         all
         * @throws BusUnavailableException when the history cannot be read now
         */
        Optional<List<Delivery>> read(long after, long upTo) throws BusUnavailableException;
    }

    static Resumption decide(Optional<String> since, String epoch, long last, Range history)
            throws BusUnavailableException {
        if (since.isEmpty()) {
            return NOTHING_MISSED;
        }
        String position = since.get();
        int colon = position.indexOf(':');
        if (colon <= 0 || epoch == null || !position.substring(0, colon).equals(epoch)) {
            return NOT_RECOVERED;
        }
        long offset = offsetOf(position.substring(colon + 1));
        if (offset < 0 || offset > last) {
            // Malformed, or ahead of the channel: nothing to resume from.
            return NOT_RECOVERED;
        }
        if (offset == last) {
            return NOTHING_MISSED;
        }
        return history.read(offset, last).map(missed -> new Resumption(true, missed)).orElse(NOT_RECOVERED);
    }

    // A plain decimal, no sign, no leading zeros beyond "0" itself; -1 for anything else.
    private static long offsetOf(String text) {
        if (text.isEmpty() || text.length() > 18 || (text.length() > 1 && text.charAt(0) == '0')) {
            return -1;
        }
        long value = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value;
    }
}
