package io.bifrost.protocol;

import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JsonTest {

    @Test
    void parsedObjectKeepsKeyOrderAndIsUnmodifiable() throws Exception {
        Map<String, Object> map = Json.parseObject("{\"z\":1,\"a\":{\"y\":2,\"b\":3},\"m\":[1,2]}");

        assertEquals(List.of("z", "a", "m"), List.copyOf(map.keySet()));
        @SuppressWarnings("unchecked")
        Map<String, Object> nested = (Map<String, Object>) map.get("a");
        assertEquals(List.of("y", "b"), List.copyOf(nested.keySet()));
        assertThrows(UnsupportedOperationException.class, () -> map.put("x", 1));
        assertThrows(UnsupportedOperationException.class, () -> nested.put("x", 1));
        @SuppressWarnings("unchecked")
        List<Object> list = (List<Object>) map.get("m");
        assertThrows(UnsupportedOperationException.class, () -> list.add(3));
    }

    @Test
    void numbersBecomeLongBigIntegerOrBigDecimalAndKeepTheirDigits() throws Exception {
        Map<String, Object> map = Json.parseObject(
                "{\"small\":7,\"max\":9223372036854775807,\"min\":-9223372036854775808,"
                        + "\"big\":9223372036854775808,\"huge\":-123456789012345678901234567890,"
                        + "\"dec\":1.10,\"exp\":1E+5}");

        assertEquals(7L, map.get("small"));
        assertEquals(Long.MAX_VALUE, map.get("max"));
        assertEquals(Long.MIN_VALUE, map.get("min"));
        assertEquals(new BigInteger("9223372036854775808"), map.get("big"));
        assertEquals(new BigInteger("-123456789012345678901234567890"), map.get("huge"));
        // BigDecimal equality includes the scale: 1.10 is not 1.1.
        assertEquals(new BigDecimal("1.10"), map.get("dec"));
        assertInstanceOf(BigDecimal.class, map.get("exp"));
    }

    @Test
    void literalsBecomeJavaValues() throws Exception {
        Map<String, Object> map = Json.parseObject("{\"n\":null,\"t\":true,\"f\":false,\"s\":\"x\"}");

        assertTrue(map.containsKey("n"));
        assertEquals(Arrays.asList(null, true, false, "x"), new ArrayList<>(map.values()));
    }

    @Test
    void writesCompactUtf8WithOnlyTheEscapesJsonRequires() {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("s", "héllo ✓ 😀 \"q\" \\ / \n\t\u0001");
        map.put("l", List.of(1, 2L, new BigInteger("123456789012345678901234567890"), new BigDecimal("1.10")));
        map.put("n", null);
        map.put("b", true);
        map.put("o", Map.of());

        assertEquals("{\"s\":\"héllo ✓ 😀 \\\"q\\\" \\\\ / \\n\\t\\u0001\","
                + "\"l\":[1,2,123456789012345678901234567890,1.10],\"n\":null,\"b\":true,\"o\":{}}", Json.write(map));
    }

    @Test
    void writesToAStreamAsUtf8() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Json.write(Map.of("s", "é😀"), out);

        assertEquals("{\"s\":\"é😀\"}", out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void writesDatesAsEpochSeconds() {
        assertEquals("[1700000000]", Json.write(List.of(new Date(1_700_000_000_999L))));
    }

    @Test
    void quoteWritesAStringLiteral() {
        assertEquals("\"a\\\"b\\\\c\\nd\"", Json.quote("a\"b\\c\nd"));
        assertEquals("\"\"", Json.quote(""));
    }

    @Test
    void refusesToWriteUnknownTypes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Json.write(new Object()));
        assertEquals("cannot write java.lang.Object as JSON; use maps, lists, strings, numbers, booleans", e.getMessage());
    }

    @Test
    void nonObjectsAreRefusedByName() {
        assertEquals("not a JSON object but an array",
                assertThrows(InvalidJsonException.class, () -> Json.parseObject("[]")).getMessage());
        assertEquals("not a JSON object but a string",
                assertThrows(InvalidJsonException.class, () -> Json.parseObject("\"{}\"")).getMessage());
        assertEquals("not a JSON object but a number",
                assertThrows(InvalidJsonException.class, () -> Json.parseObject("12")).getMessage());
        assertEquals("not a JSON object but a boolean",
                assertThrows(InvalidJsonException.class, () -> Json.parseObject("true")).getMessage());
        assertEquals("not a JSON object but null",
                assertThrows(InvalidJsonException.class, () -> Json.parseObject("null")).getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "   ", "hello", "{", "{\"a\":}", "{\"a\" 1}", "{'a':1}", "{\"a\":1} x", "{\"a\":1}{}",
            "{\"a\":1},"})
    void invalidJsonIsRefused(String text) {
        InvalidJsonException e = assertThrows(InvalidJsonException.class, () -> Json.parseObject(text));
        assertTrue(e.getMessage().startsWith("not valid JSON: "), e.getMessage());
    }

    @Test
    void whitespaceAroundTheObjectIsAccepted() throws Exception {
        assertEquals(Map.of("a", 1L), Json.parseObject(" \n\t{ \"a\" : 1 }\r\n "));
    }

    // ---- limits: whatever the text, InvalidJsonException and nothing else ----

    /** {@code {"a":{"a":...{}...}}} with {@code depth} objects, the root included. */
    static String nestedObjects(int depth) {
        return "{\"a\":".repeat(depth - 1) + "{}" + "}".repeat(depth - 1);
    }

    /** An object whose one value is arrays nested so that the text is {@code depth} levels deep. */
    static String nestedArrays(int depth) {
        return "{\"a\":" + "[".repeat(depth - 1) + "]".repeat(depth - 1) + "}";
    }

    @Test
    void nestingOf64LevelsIsAccepted() throws Exception {
        Map<String, Object> objects = Json.parseObject(nestedObjects(Json.MAX_DEPTH));
        Map<String, Object> arrays = Json.parseObject(nestedArrays(Json.MAX_DEPTH));

        int depth = 1;
        for (Object value = objects.get("a"); value instanceof Map<?, ?> map && !map.isEmpty(); value = map.get("a")) {
            depth++;
        }
        assertEquals(Json.MAX_DEPTH - 1, depth);
        assertEquals(nestedArrays(Json.MAX_DEPTH), Json.write(arrays));
    }

    @ParameterizedTest
    @ValueSource(ints = {65, 1_000, 100_000})
    void nestingDeeperThan64LevelsIsRefusedByName(int depth) {
        for (String text : List.of(nestedObjects(depth), nestedArrays(depth), "[".repeat(depth), "{\"a\":[".repeat(depth))) {
            InvalidJsonException e = assertThrows(InvalidJsonException.class, () -> Json.parseObject(text));
            assertEquals("JSON nested deeper than 64 levels", e.getMessage());
        }
    }

    @Test
    void numbersOf100CharactersAreAccepted() throws Exception {
        String integer = "9".repeat(100);
        String negative = "-" + "1".repeat(99);
        String fraction = "0." + "5".repeat(98);
        String exponent = "1." + "2".repeat(93) + "E-999";

        Map<String, Object> map = Json.parseObject("{\"i\":" + integer + ",\"n\":" + negative + ",\"f\":" + fraction
                + ",\"e\":" + exponent + "}");

        assertEquals(new BigInteger(integer), map.get("i"));
        assertEquals(new BigInteger(negative), map.get("n"));
        assertEquals(new BigDecimal(fraction), map.get("f"));
        assertEquals(new BigDecimal(exponent), map.get("e"));
    }

    @ParameterizedTest
    @ValueSource(ints = {101, 1_100, 1_101, 100_000})
    void numbersLongerThan100CharactersAreRefusedByName(int length) {
        for (String number : List.of("7".repeat(length), "-" + "7".repeat(length - 1), "0." + "3".repeat(length - 2),
                "1." + "0".repeat(length - 6) + "e+10")) {
            InvalidJsonException e = assertThrows(InvalidJsonException.class,
                    () -> Json.parseObject("{\"n\":[" + number + "]}"));
            assertEquals("JSON with a number longer than 100 characters", e.getMessage(), number.substring(0, 10));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"1e999999999", "-1E+999999999", "1e-999999999", "9.99e2147483647", "1e-2147483647",
            "123456789e2147483647", "1e2147483648"})
    void hugeExponentsWithinTheLengthLimitStayExactBigDecimals(String number) throws Exception {
        Map<String, Object> map = Json.parseObject("{\"n\":" + number + "}");

        assertEquals(new BigDecimal(number), map.get("n"));
        assertEquals("{\"n\":" + new BigDecimal(number) + "}", Json.write(map));
    }

    @ParameterizedTest
    @ValueSource(strings = {"1e2147483649", "1e9999999999", "1e-2147483649", "0.1e-2147483648", "1e99999999999999999999"})
    void exponentsBeyondWhatANumberCanHoldAreRefusedByName(String number) {
        InvalidJsonException e = assertThrows(InvalidJsonException.class, () -> Json.parseObject("{\"n\":" + number + "}"));

        assertEquals("JSON with a number whose exponent is out of range", e.getMessage());
    }

    @Test
    void integersBecomeLongsWheneverTheyFitWhateverTheirSpelling() throws Exception {
        Map<String, Object> map = Json.parseObject("{\"a\":-0,\"b\":1e0,\"c\":1.5e1,"
                + "\"d\":-9223372036854775809,\"e\":1.0,\"f\":1E+2}");

        assertEquals(0L, map.get("a"));
        assertEquals(1L, map.get("b"));
        assertEquals(15L, map.get("c"));
        assertEquals(new BigInteger("-9223372036854775809"), map.get("d"));
        assertEquals(new BigDecimal("1.0"), map.get("e"));
        assertEquals(new BigDecimal("1E+2"), map.get("f"));
    }

    @Test
    void syntaxErrorsSayWhereInOurWordsNotTheLibrarys() {
        InvalidJsonException e = assertThrows(InvalidJsonException.class, () -> Json.parseObject("{\"a\"\n 1}"));

        assertEquals("not valid JSON: a syntax error at line 2, column 2", e.getMessage());
    }

    @Test
    void noTextIsInvalidJson() {
        assertEquals("not valid JSON: there is no text",
                assertThrows(InvalidJsonException.class, () -> Json.parseObject((String) null)).getMessage());
    }
}
