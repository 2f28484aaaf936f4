package io.bifrost.gateway.ops;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LogTextTest {

    @Test
    void ordinaryTextIsReturnedAsItIs() {
        String text = "user:1 from 127.0.0.1 héllo ✓ 😀 C:\\path \"quoted\"";

        assertSame(text, LogText.of(text));
        assertSame(text, LogText.escape(text));
    }

    @Test
    void lineBreaksAndTabsBecomeTheirTwoCharacterEscapes() {
        assertEquals("a\\nFAKE 2026-01-01 SEVERE forged\\r\\tb", LogText.of("a\nFAKE 2026-01-01 SEVERE forged\r\tb"));
    }

    @Test
    void everyOtherControlCharacterBecomesAUnicodeEscape() {
        StringBuilder controls = new StringBuilder();
        StringBuilder expected = new StringBuilder();
        for (char c = 0; c < 0xA0; c++) {
            if (c == '\n' || c == '\r' || c == '\t' || (c >= 0x20 && c < 0x7F)) {
                continue;
            }
            controls.append(c);
            expected.append(String.format("\\u%04x", (int) c));
        }
        for (char c : "\u2028\u2029\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069".toCharArray()) {
            controls.append(c);
            expected.append(String.format("\\u%04x", (int) c));
        }

        assertEquals(expected.toString(), LogText.escape(controls.toString()));
        assertEquals("\\u001b[31mred\\u001b[0m", LogText.of("\u001b[31mred\u001b[0m"));
    }

    @Test
    void nullIsTheWordNull() {
        assertEquals("null", LogText.of(null));
    }

    @Test
    void valuesAreCappedAt200CharactersThenAnEllipsis() {
        assertEquals("x".repeat(200), LogText.of("x".repeat(200)));
        assertEquals("x".repeat(200) + "…", LogText.of("x".repeat(201)));
        assertEquals("x".repeat(200) + "…", LogText.of("x".repeat(100_000)));
        assertEquals("x".repeat(100_000), LogText.escape("x".repeat(100_000)));
    }

    @Test
    void theCapCountsEscapesAndNeverCutsOneOrASurrogatePair() {
        // 198 characters, then an escape of 6 that does not fit.
        assertEquals("x".repeat(198) + "…", LogText.of("x".repeat(198) + "\u0000yz"));
        assertEquals("x".repeat(196) + "\\n\\n…", LogText.of("x".repeat(196) + "\n\n\n"));
        // 😀 is two chars: at 199 it does not fit whole.
        assertEquals("x".repeat(199) + "…", LogText.of("x".repeat(199) + "😀"));
        assertEquals("x".repeat(198) + "😀…", LogText.of("x".repeat(198) + "😀😀"));
        assertEquals("\\n".repeat(100) + "…", LogText.of("\n".repeat(150)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"\n", "\r", "\u0085", "\u2028", "\u2029", "\u000b", "\u000c"})
    void noLineTerminatorSurvives(String terminator) {
        String escaped = LogText.of("before" + terminator + "after");

        assertEquals(1, escaped.lines().count(), escaped);
        assertTrue(escaped.chars().allMatch(c -> c >= 0x20 && (c < 0x7F || c > 0x9F) && c != 0x2028 && c != 0x2029),
                escaped);
    }
}
