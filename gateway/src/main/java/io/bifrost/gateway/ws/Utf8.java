package io.bifrost.gateway.ws;

/**
 * Checks UTF-8 as it arrives, fragment by fragment: a text message split across frames may split a character too,
 * so the state carries over. Rejects what RFC 3629 forbids: overlong forms, surrogates, code points past U+10FFFF.
 */
final class Utf8 {
    private static final int ACCEPT = 0;
    private static final int REJECT = -1;

    // Bytes still expected in the current character, and the bounds the next byte must lie in.
    private int remaining;
    private int lower = 0x80;
    private int upper = 0xBF;
    private int state = ACCEPT;

    /**
     * Feeds bytes.
     *
     * @param bytes the bytes
     * @param from  first index
     * @param to    index past the last
     * @return false once the input cannot be UTF-8, whatever follows
     */
    boolean feed(byte[] bytes, int from, int to) {
        if (state == REJECT) {
            return false;
        }
        for (int i = from; i < to; i++) {
            int b = bytes[i] & 0xFF;
            if (remaining == 0) {
                if (b < 0x80) {
                    continue;
                }
                lower = 0x80;
                upper = 0xBF;
                if (b >= 0xC2 && b <= 0xDF) {
                    remaining = 1;
                } else if (b >= 0xE0 && b <= 0xEF) {
                    remaining = 2;
                    if (b == 0xE0) {
                        lower = 0xA0;
                    } else if (b == 0xED) {
                        upper = 0x9F;
                    }
                } else if (b >= 0xF0 && b <= 0xF4) {
                    remaining = 3;
                    if (b == 0xF0) {
                        lower = 0x90;
                    } else if (b == 0xF4) {
                        upper = 0x8F;
                    }
                } else {
                    state = REJECT;
                    return false;
                }
            } else {
                if (b < lower || b > upper) {
                    state = REJECT;
                    return false;
                }
                lower = 0x80;
                upper = 0xBF;
                remaining--;
            }
        }
        return true;
    }

    /**
     * @return true if everything fed so far is valid and ends on a whole character
     */
    boolean complete() {
        return state == ACCEPT && remaining == 0;
    }

    /**
     * Forgets the current message.
     */
    void reset() {
        remaining = 0;
        lower = 0x80;
        upper = 0xBF;
        state = ACCEPT;
    }

    /**
     * @param bytes the bytes
     * @return true if they are, whole, valid UTF-8
     */
    static boolean valid(byte[] bytes) {
        Utf8 check = new Utf8();
        return check.feed(bytes, 0, bytes.length) && check.complete();
    }
}
