package io.bifrost.gateway.ops;

/**
 * Text from a request made safe for a log line: every control character escaped, so a value cannot end the line
 * and forge the next one (or drive a terminal), and long values capped.
 *
 * <p>Use {@link #of} for every request-derived value that reaches a log: token header fields and refusal reasons,
 * paths, origins, addresses, channel names:
 *
 * <pre>{@code
 * LOG.log(Level.INFO, "socket " + id + " from " + LogText.of(remote) + " refused: " + LogText.of(e.getMessage()));
 * }</pre>
 *
 * <p>Escaped: C0 controls ({@code \n}, {@code \r}, {@code \t} as those two-character escapes, the others as
 * {@code \}{@code u00XX}), DEL, C1 controls, the line and paragraph separators U+2028 and U+2029, and the bidirectional
 * formatting characters (U+200E, U+200F, U+202A to U+202E, U+2066 to U+2069) that make a terminal show text in another
 * order than it was written. A backslash is left as it is, so ordinary text reads the same.
 */
public final class LogText {
    /** Longest value {@link #of} returns, in characters, before its {@code …}. */
    public static final int MAX_LENGTH = 200;

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private LogText() {
    }

    /**
     * A request-derived value, escaped and capped at {@value #MAX_LENGTH} characters followed by {@code …}.
     *
     * @param value any value; {@code null} gives {@code "null"}
     * @return the value as one safe line
     */
    public static String of(Object value) {
        return escape(String.valueOf(value), MAX_LENGTH);
    }

    /**
     * Any text, escaped and not capped: what the log formatters do to every message.
     *
     * @param text the text
     * @return the text with every control character escaped
     */
    public static String escape(String text) {
        return escape(text, Integer.MAX_VALUE);
    }

    private static String escape(String text, int max) {
        int i = 0;
        // Most values need nothing: return them as they are.
        while (i < text.length() && i < max && !needsEscape(text.charAt(i))) {
            i++;
        }
        if (i == text.length()) {
            return text;
        }
        if (i > 0 && Character.isHighSurrogate(text.charAt(i - 1))) {
            i--; // a pair is kept whole or cut whole
        }
        StringBuilder out = new StringBuilder(Math.min(text.length(), max) + 16).append(text, 0, i);
        for (; i < text.length(); i++) {
            char c = text.charAt(i);
            String escaped = needsEscape(c) ? escaped(c) : null;
            int width = escaped == null ? (Character.isHighSurrogate(c) && i + 1 < text.length() ? 2 : 1)
                    : escaped.length();
            if (out.length() + width > max) {
                return out.append('…').toString();
            }
            if (escaped != null) {
                out.append(escaped);
            } else if (width == 2) {
                out.append(c).append(text.charAt(++i));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static boolean needsEscape(char c) {
        return c < 0x20 || (c >= 0x7F && c <= 0x9F) || c == '\u2028' || c == '\u2029' || c == '\u200E' || c == '\u200F'
                || (c >= '\u202A' && c <= '\u202E') || (c >= '\u2066' && c <= '\u2069');
    }

    private static String escaped(char c) {
        return switch (c) {
            case '\n' -> "\\n";
            case '\r' -> "\\r";
            case '\t' -> "\\t";
            default -> new String(new char[] {'\\', 'u', HEX[c >> 12], HEX[(c >> 8) & 0xF], HEX[(c >> 4) & 0xF], HEX[c & 0xF]});
        };
    }
}
