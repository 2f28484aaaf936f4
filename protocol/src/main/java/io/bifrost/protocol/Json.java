package io.bifrost.protocol;

import java.io.OutputStream;
import java.io.Reader;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.Writer;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.json.JsonArray;
import jakarta.json.JsonException;
import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import jakarta.json.spi.JsonProvider;
import jakarta.json.stream.JsonGenerator;
import jakarta.json.stream.JsonGeneratorFactory;
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
    // Providers and factories are immutable and thread-safe; looking the provider up per call is slow.
    private static final JsonProvider PROVIDER = JsonProvider.provider();
    private static final JsonGeneratorFactory GENERATORS = PROVIDER.createGeneratorFactory(Map.of());

    private Json() {
    }

    /**
     * Parses a JSON object.
     *
     * @param text JSON text
     * @return the object as an insertion-ordered, unmodifiable map
     * @throws InvalidJsonException when the text is not JSON or not an object
     */
    public static Map<String, Object> parseObject(String text) throws InvalidJsonException {
        return parseObject(new StringReader(text));
    }

    /**
     * Parses a JSON object from a reader.
     *
     * @param reader JSON text
     * @return the object as an insertion-ordered, unmodifiable map
     * @throws InvalidJsonException when the text is not JSON or not an object
     */
    public static Map<String, Object> parseObject(Reader reader) throws InvalidJsonException {
        JsonValue value;
        // A parser, not a JsonReader: the reader stops after the first value and ignores whatever follows it.
        try (JsonParser parser = PROVIDER.createParser(reader)) {
            parser.next();
            value = parser.getValue();
            parser.hasNext(); // throws on anything but whitespace after the value
        } catch (JsonParsingException e) {
            throw new InvalidJsonException("not valid JSON: " + e.getMessage());
        } catch (JsonException e) {
            throw new InvalidJsonException("not valid JSON: " + e.getMessage());
        }
        if (value.getValueType() != JsonValue.ValueType.OBJECT) {
            throw new InvalidJsonException("not a JSON object but " + describe(value));
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> map = (Map<String, Object>) toJava(value);
        return map;
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
        if (javaValue instanceof JsonValue jv) {
            return switch (jv.getValueType()) {
                case OBJECT -> "an object";
                case ARRAY -> "an array";
                case STRING -> "a string";
                case NUMBER -> "a number";
                case TRUE, FALSE -> "a boolean";
                case NULL -> "null";
            };
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

    static Object toJava(JsonValue value) {
        return switch (value.getValueType()) {
            case OBJECT -> {
                JsonObject object = value.asJsonObject();
                Map<String, Object> map = new LinkedHashMap<>(Math.max(4, object.size() * 2));
                object.forEach((k, v) -> map.put(k, toJava(v)));
                yield Collections.unmodifiableMap(map);
            }
            case ARRAY -> {
                JsonArray array = value.asJsonArray();
                List<Object> list = new ArrayList<>(array.size());
                array.forEach(v -> list.add(toJava(v)));
                yield Collections.unmodifiableList(list);
            }
            case STRING -> ((JsonString) value).getString();
            case NUMBER -> number((JsonNumber) value);
            case TRUE -> Boolean.TRUE;
            case FALSE -> Boolean.FALSE;
            case NULL -> null;
        };
    }

    private static Number number(JsonNumber number) {
        if (number.isIntegral()) {
            BigInteger big = number.bigIntegerValue();
            return big.bitLength() < 64 ? (Number) big.longValue() : big;
        }
        // BigDecimal keeps the backend's digits exactly; a double would not.
        return number.bigDecimalValue();
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
