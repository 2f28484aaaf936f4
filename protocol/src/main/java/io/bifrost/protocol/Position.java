package io.bifrost.protocol;

import java.util.Optional;

/**
 * Where a message stands in its channel: the channel's {@code epoch} and the message's {@code offset} in it, written
 * on the wire as {@code "<epoch>:<offset>"}, e.g. {@code "k3x9:17"}. Message frames of sockets that opted in carry it
 * as {@code "id"}; a client sends the last one it saw per channel in {@code "since"} to resume.
 *
 * <p>Positions of different epochs are not comparable: a new epoch means the channel's history was lost.
 *
 * @param epoch  1 to {@value #MAX_EPOCH_LENGTH} characters of {@code [0-9a-z]}
 * @param offset 0 or more; messages start at 1
 */
public record Position(String epoch, long offset) {
    /** Longest epoch accepted, in characters. */
    public static final int MAX_EPOCH_LENGTH = 16;

    // Long.MAX_VALUE has 19 digits: anything longer cannot be an offset.
    private static final int MAX_OFFSET_DIGITS = 19;

    /**
     * @param epoch  1 to {@value #MAX_EPOCH_LENGTH} characters of {@code [0-9a-z]}
     * @param offset 0 or more
     * @throws IllegalArgumentException when either is out of range; {@link #parse} is the way to read untrusted text
     */
    public Position {
        if (epoch == null || !isEpoch(epoch)) {
            throw new IllegalArgumentException("epoch " + (epoch == null ? "null" : Json.quote(epoch))
                    + " must be 1 to " + MAX_EPOCH_LENGTH + " characters of [0-9a-z], as the gateway writes it");
        }
        if (offset < 0) {
            throw new IllegalArgumentException("offset " + offset + " must be 0 or more");
        }
    }

    /**
     * Reads a position in its wire form, strictly: exactly one {@code ':'}, an epoch of 1 to
     * {@value #MAX_EPOCH_LENGTH} characters of {@code [0-9a-z]}, an offset of decimal digits that fits a
     * {@code long}, without sign, whitespace or leading zeros (so that {@code parse(s).get().toString()} is
     * {@code s}).
     *
     * @param text the wire form, e.g. {@code "k3x9:17"}; null is malformed
     * @return the position, or empty when the text is malformed
     */
    public static Optional<Position> parse(String text) {
        if (text == null) {
            return Optional.empty();
        }
        int colon = text.indexOf(':');
        if (colon < 0 || text.indexOf(':', colon + 1) >= 0) {
            return Optional.empty();
        }
        String epoch = text.substring(0, colon);
        String digits = text.substring(colon + 1);
        if (!isEpoch(epoch) || !isCanonicalDecimal(digits)) {
            return Optional.empty();
        }
        try {
            return Optional.of(new Position(epoch, Long.parseLong(digits)));
        } catch (NumberFormatException e) {
            // 19 digits beyond Long.MAX_VALUE.
            return Optional.empty();
        }
    }

    /**
     * @return the position right after this one in the same epoch
     * @throws ArithmeticException if the offset is {@link Long#MAX_VALUE}
     */
    public Position next() {
        return new Position(epoch, Math.addExact(offset, 1));
    }

    /**
     * @return the wire form, {@code "<epoch>:<offset>"}
     */
    @Override
    public String toString() {
        return epoch + ":" + offset;
    }

    private static boolean isEpoch(String epoch) {
        if (epoch.isEmpty() || epoch.length() > MAX_EPOCH_LENGTH) {
            return false;
        }
        for (int i = 0; i < epoch.length(); i++) {
            char c = epoch.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z'))) {
                return false;
            }
        }
        return true;
    }

    // ASCII digits only: Character.isDigit and Long.parseLong would also take other scripts' digits and a sign.
    private static boolean isCanonicalDecimal(String digits) {
        if (digits.isEmpty() || digits.length() > MAX_OFFSET_DIGITS
                || (digits.length() > 1 && digits.charAt(0) == '0')) {
            return false;
        }
        for (int i = 0; i < digits.length(); i++) {
            char c = digits.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }
}
