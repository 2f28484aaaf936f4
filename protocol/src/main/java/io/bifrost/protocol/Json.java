package io.bifrost.protocol;

import java.io.OutputStream;
import java.io.Reader;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.Writer;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.json.JsonValue;
import jakarta.json.spi.JsonProvider;
import jakarta.json.stream.JsonGenerator;
import jakarta.json.stream.JsonGeneratorFactory;
import jakarta.json.stream.JsonLocation;
import jakarta.json.stream.JsonParser;
import jakarta.json.stream.JsonParsingException;

/**
 * The one JSON codec of the project, on Jakarta JSON (Parsson).
 *
 * <p>Values cross it as plain Java types ({@code Map} with insertion order, {@code List}, {@code String},
 * {@code Long}/{@code BigInteger}/{@code BigDecimal}, {@code Boolean}, {@code null}) so that what a backend sent
 * is written back out with the same keys, order, strings and numbers: compact, UTF-8, nothing escaped that JSON
 * does not require.
 */
public final class Json {
    /** Deepest nesting accepted: the root object is level 1. */
    public static final int MAX_DEPTH = 64;
    /** Longest number accepted, in characters (sign, digits, fraction and exponent). */
    public static final int MAX_NUMBER_LENGTH = 100;

    // Providers and factories are immutable and thread-safe; looking the provider up per call is slow.
    private static final JsonProvider PROVIDER = JsonProvider.provider();
    private static final JsonGeneratorFactory GENERATORS = PROVIDER.createGeneratorFactory(Map.of());

    private Json() {
    }

    /**
     * Parses a JSON object. Whatever the text, the only failure is {@link InvalidJsonException}: nesting deeper
     * than {@value #MAX_DEPTH} levels and numbers longer than {@value #MAX_NUMBER_LENGTH} characters are refused
     * before they cost anything, and the message is ours, never the JSON library's.
     *
     * @param text JSON text
     * @return the object as an insertion-ordered, unmodifiable map
     * @throws InvalidJsonException when the text is not JSON or not an object
     */
    public static Map<String, Object> parseObject(String text) throws InvalidJsonException {
        if (text == null) {
            throw new InvalidJsonException("not valid JSON: there is no text");
        }
        return parseObject(new StringReader(text));
    }

    /**
     * Parses a JSON object from a reader, with the limits of {@link #parseObject(String)}.
     *
     * @param reader JSON text
     * @return the object as an insertion-ordered, unmodifiable map
     * @throws InvalidJsonException when the text is not JSON or not an object
     */
    public static Map<String, Object> parseObject(Reader reader) throws InvalidJsonException {
        Object value;
        // A parser, not a JsonReader: the reader stops after the first value and ignores whatever follows it.
        try (JsonParser parser = PROVIDER.createParser(reader)) {
            value = read(parser);
            parser.hasNext(); // throws on anything but whitespace after the value
        } catch (JsonParsingException e) {
            throw new InvalidJsonException("not valid JSON: " + where(e.getLocation()));
        } catch (RuntimeException e) {
            // JsonException, and anything else the library or a number conversion may throw: a refusal all the same.
            throw new InvalidJsonException("not valid JSON: a syntax error");
        }
        if (!(value instanceof Map<?, ?>)) {
            throw new InvalidJsonException("not a JSON object but " + describe(value));
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> map = (Map<String, Object>) value;
        return map;
    }

    // Built from the event stream with our own limits rather than Parsson's maxDepth/maxBigDecimalLength, which throw
    // bare RuntimeExceptions carrying Parsson's text; and iteratively, so no depth can overflow the stack.
    private static Object read(JsonParser parser) throws InvalidJsonException {
        ArrayDeque<Level> open = new ArrayDeque<>();
        while (true) {
            JsonParser.Event event = parser.next();
            if (event == JsonParser.Event.START_OBJECT || event == JsonParser.Event.START_ARRAY) {
                if (open.size() == MAX_DEPTH) {
                    throw new InvalidJsonException("JSON nested deeper than " + MAX_DEPTH + " levels");
                }
                open.push(event == JsonParser.Event.START_OBJECT ? new Level(new LinkedHashMap<>())
                        : new Level(new ArrayList<>()));
                continue;
            }
            if (event == JsonParser.Event.KEY_NAME) {
                open.element().key = parser.getString();
                continue;
            }
            Object value = switch (event) {
                case END_OBJECT, END_ARRAY -> open.pop().freeze();
                case VALUE_STRING -> parser.getString();
                case VALUE_NUMBER -> number(parser.getString());
                case VALUE_TRUE -> Boolean.TRUE;
                case VALUE_FALSE -> Boolean.FALSE;
                case VALUE_NULL, START_OBJECT, START_ARRAY, KEY_NAME -> null;
            };
            if (open.isEmpty()) {
                return value;
            }
            open.element().add(value);
        }
    }

    private static String where(JsonLocation location) {
        return location == null || location.getLineNumber() < 0 ? "a syntax error"
                : "a syntax error at line " + location.getLineNumber() + ", column " + location.getColumnNumber();
    }

    // Long when it is an integer that fits, else BigInteger; BigDecimal keeps a fraction's digits exactly, which a
    // double would not.
    private static Number number(String text) throws InvalidJsonException {
        if (text.length() > MAX_NUMBER_LENGTH) {
            throw new InvalidJsonException("JSON with a number longer than " + MAX_NUMBER_LENGTH + " characters");
        }
        if (text.length() <= 18 && plainInteger(text)) {
            return Long.parseLong(text);
        }
        BigDecimal value;
        try {
            value = new BigDecimal(text);
        } catch (NumberFormatException e) {
            throw new InvalidJsonException("JSON with a number whose exponent is out of range");
        }
        if (value.scale() != 0) {
            return value;
        }
        BigInteger big = value.unscaledValue();
        return big.bitLength() < 64 ? (Number) big.longValue() : big;
    }

    private static boolean plainInteger(String text) {
        for (int i = text.charAt(0) == '-' ? 1 : 0; i < text.length(); i++) {
            if (text.charAt(i) < '0' || text.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }

    /**
     * Writes a value made of the plain Java types this codec reads.
     *
     * @param value a map, list, string, number, boolean, date (written as epoch seconds) or null
     * @return compact JSON text
     */
    public static String write(Object value) {
        StringWriter out = new StringWriter();
        write(value, out);
        return out.toString();
    }

    /**
     * Writes a value to a writer.
     *
     * @param value the value
     * @param out   where the JSON goes
     */
    public static void write(Object value, Writer out) {
        try (JsonGenerator generator = GENERATORS.createGenerator(out)) {
            writeValue(generator, value);
        }
    }

    /**
     * Writes a value to a stream as UTF-8.
     *
     * @param value the value
     * @param out   where the JSON goes
     */
    public static void write(Object value, OutputStream out) {
        try (JsonGenerator generator = GENERATORS.createGenerator(out, java.nio.charset.StandardCharsets.UTF_8)) {
            writeValue(generator, value);
        }
    }

    /**
     * A JSON string literal for {@code text}, quotes included: what {@link #write(Object)} writes for a string.
     *
     * @param text the string
     * @return the literal
     */
    public static String quote(String text) {
        return write(text);
    }

    static String describe(Object javaValue) {
        if (javaValue == null) {
            return "null";
        }
        if (javaValue instanceof Map<?, ?>) {
            return "an object";
        }
        if (javaValue instanceof List<?>) {
            return "an array";
        }
        if (javaValue instanceof String) {
            return "a string";
        }
        if (javaValue instanceof Number) {
            return "a number";
        }
        if (javaValue instanceof Boolean) {
            return "a boolean";
        }
        return javaValue.getClass().getSimpleName();
    }

    /** An object or array being read, and the key its next value goes under. */
    private static final class Level {
        private final Map<String, Object> map;
        private final List<Object> list;
        private String key;

        Level(Map<String, Object> map) {
            this.map = map;
            this.list = null;
        }

        Level(List<Object> list) {
            this.map = null;
            this.list = list;
        }

        void add(Object value) {
            if (map != null) {
                map.put(key, value);
            } else {
                list.add(value);
            }
        }

        Object freeze() {
            return map != null ? Collections.unmodifiableMap(map) : Collections.unmodifiableList(list);
        }
    }

    private static void writeValue(JsonGenerator generator, Object value) {
        switch (value) {
            case null -> generator.writeNull();
            case Map<?, ?> map -> {
                generator.writeStartObject();
                map.forEach((k, v) -> {
                    generator.writeKey(String.valueOf(k));
                    writeValue(generator, v);
                });
                generator.writeEnd();
            }
            case List<?> list -> {
                generator.writeStartArray();
                list.forEach(v -> writeValue(generator, v));
                generator.writeEnd();
            }
            case String s -> generator.write(s);
            case Boolean b -> generator.write(b);
            case Integer i -> generator.write(i);
            case Long l -> generator.write(l);
            case BigInteger bi -> generator.write(bi);
            case BigDecimal bd -> generator.write(bd);
            case Double d -> generator.write(d);
            case Float f -> generator.write(f.doubleValue());
            case Number n -> generator.write(n.longValue());
            case Date date -> generator.write(date.getTime() / 1000);
            case JsonValue jv -> generator.write(jv);
            default -> throw new IllegalArgumentException(
                    "cannot write " + value.getClass().getName() + " as JSON; use maps, lists, strings, numbers, booleans");
        }
    }
}
