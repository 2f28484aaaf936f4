package io.bifrost.protocol;

import java.util.Base64;

/**
 * The strict base64url a compact JWS is written in: unpadded, nothing but the alphabet.
 */
final class Base64Url {
    private Base64Url() {
    }

    /**
     * Decodes {@code text[from, to)} as unpadded base64url, ignoring the unused low bits of the last character as
     * both java.util.Base64 and jjwt do; null for padding, any other character or a length no encoding produces.
     *
     * @param text the text
     * @param from first index, inclusive
     * @param to   last index, exclusive
     * @return the bytes, or null
     */
    static byte[] decode(String text, int from, int to) {
        int padding = text.indexOf('=', from);
        if (to <= from || (padding >= 0 && padding < to)) {
            return null;
        }
        try {
            return Base64.getUrlDecoder().decode(text.substring(from, to));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
