package io.bifrost.protocol;

import java.io.StringReader;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.List;
import java.util.Map;
import java.util.Set;

import jakarta.json.JsonValue;
import jakarta.json.spi.JsonProvider;
import jakarta.json.stream.JsonParser;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.statistics.Statistics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Json#parseObject} on any text: an object within the limits, or {@link InvalidJsonException}, never anything
 * else. Parsson's own parser (limits aside) is the reference for what is JSON.
 */
class JsonFuzzTest {
    private static final JsonProvider PARSSON = JsonProvider.provider();
    private static final Set<String> LIMITS = Set.of("JSON nested deeper than 64 levels",
            "JSON with a number longer than 100 characters", "JSON with a number whose exponent is out of range");
    private static final char[] INTERESTING = {'{', '}', '[', ']', '"', ':', ',', '\\', '-', '+', '.', 'e', 'E', '0', '1',
        '9', ' ', '\n', 't', 'n', 'u', '\u0000', '\u2028', 'é', '\uD800', '\uFFFF'};

    @Property(tries = 2000)
    void anyTextIsAnObjectWithinTheLimitsOrInvalidJsonAndNothingElse(@ForAll("texts") String text) throws Exception {
        JsonValue reference = parssonValue(text);
        Map<String, Object> parsed;
        try {
            parsed = Json.parseObject(text);
        } catch (InvalidJsonException e) {
            if (reference != null && reference.getValueType() == JsonValue.ValueType.OBJECT) {
                assertTrue(LIMITS.contains(e.getMessage()), "refused JSON that Parsson reads, saying: " + e.getMessage());
            }
            Statistics.label("outcome").collect(LIMITS.contains(e.getMessage()) ? e.getMessage() : "invalid");
            checkCoverage();
            return;
        }
        assertTrue(reference != null && reference.getValueType() == JsonValue.ValueType.OBJECT,
                "accepted what Parsson does not read as an object");
        assertTrue(depth(parsed) <= Json.MAX_DEPTH, "accepted nesting of " + depth(parsed) + " levels");
        assertTrue(digits(parsed) <= Json.MAX_NUMBER_LENGTH, "accepted a number of " + digits(parsed) + " digits");
        // Through Parsson, not Json: a number of 100 characters may be written back longer ("9e9" is "9E+9").
        assertEquals(reference, parssonValue(Json.write(parsed)), "what was read is not written back the same");
        Statistics.label("outcome").collect("object");
        checkCoverage();
    }

    // A fuzzer that never reaches a limit, or never produces an object, proves nothing about them.
    private static void checkCoverage() {
        Statistics.label("outcome").coverage(coverage -> {
            coverage.check("object").count(n -> n >= 100);
            coverage.check("invalid").count(n -> n >= 100);
            for (String limit : LIMITS) {
                coverage.check(limit).count(n -> n >= 10);
            }
        });
    }



    // What the parser did before the limits: Parsson's value, or null where it throws anything.
    private static JsonValue parssonValue(String text) {
        try (JsonParser parser = PARSSON.createParser(new StringReader(text))) {
            parser.next();
            JsonValue value = parser.getValue();
            parser.hasNext();
            return value;
        } catch (RuntimeException | StackOverflowError e) {
            return null;
        }
    }

    private static int digits(Object value) {
        return switch (value) {
            case Map<?, ?> map -> map.values().stream().mapToInt(JsonFuzzTest::digits).max().orElse(0);
            case List<?> list -> list.stream().mapToInt(JsonFuzzTest::digits).max().orElse(0);
            case Long l -> BigDecimal.valueOf(l).precision();
            case BigInteger b -> new BigDecimal(b).precision();
            case BigDecimal d -> d.precision();
            case null, default -> 0;
        };
    }

    private static int depth(Object value) {
        if (value instanceof Map<?, ?> map) {
            return 1 + map.values().stream().mapToInt(JsonFuzzTest::depth).max().orElse(0);
        }
        if (value instanceof List<?> list) {
            return 1 + list.stream().mapToInt(JsonFuzzTest::depth).max().orElse(0);
        }
        return 0;
    }

    @Provide
    Arbitrary<String> texts() {
        Arbitrary<String> documents = Arbitraries.frequencyOf(
                Tuple.of(6, object(values())),
                Tuple.of(2, deep()),
                Tuple.of(1, values()),
                Tuple.of(1, Arbitraries.strings().ofMaxLength(40)));
        Arbitrary<List<Edit>> edits = Arbitraries.frequencyOf(
                Tuple.of(1, Arbitraries.just(List.of())),
                Tuple.of(1, edits().list().ofMinSize(1).ofMaxSize(4)));
        return Combinators.combine(documents, edits).as((text, list) -> {
            for (Edit edit : list) {
                text = edit.apply(text);
            }
            return text;
        });
    }

    private Arbitrary<String> values() {
        return Arbitraries.recursive(this::scalars, inner -> Arbitraries.oneOf(array(inner), object(inner)), 0, 6);
    }

    private Arbitrary<String> scalars() {
        return Arbitraries.frequencyOf(
                Tuple.of(3, Arbitraries.strings().ofMaxLength(12).map(Json::quote)),
                Tuple.of(3, numbers()),
                Tuple.of(1, Arbitraries.of("true", "false", "null")));
    }

    private Arbitrary<String> numbers() {
        Arbitrary<String> digits = Arbitraries.strings().numeric().ofMinLength(1).ofMaxLength(30)
                .map(d -> d.length() > 1 ? "1" + d.substring(1) : d);
        Arbitrary<String> longDigits = Arbitraries.integers().between(90, 120).map(n -> "9".repeat(n));
        Arbitrary<String> mantissa = Arbitraries.frequencyOf(Tuple.of(15, digits), Tuple.of(1, longDigits));
        Arbitrary<String> exponent = Arbitraries.frequencyOf(
                Tuple.of(12, Arbitraries.just("")),
                Tuple.of(4, Arbitraries.of("e0", "E+3", "e-7", "e999999999", "E-999999999", "e2147483647", "e2147483648")),
                Tuple.of(1, Arbitraries.of("e2147483649", "e-2147483649", "e99999999999999999999")));
        return Combinators.combine(Arbitraries.of("", "-"), mantissa, Arbitraries.of("", ".5", ".000", ".12345678901234567890"),
                        exponent)
                .as((sign, whole, fraction, exp) -> sign + whole + fraction + exp);
    }

    private static Arbitrary<String> array(Arbitrary<String> inner) {
        return inner.list().ofMaxSize(3).map(items -> "[" + String.join(",", items) + "]");
    }

    private static Arbitrary<String> object(Arbitrary<String> inner) {
        Arbitrary<String> member = Combinators.combine(Arbitraries.strings().alpha().ofMaxLength(3), inner)
                .as((key, value) -> Json.quote(key) + ":" + value);
        return member.list().ofMaxSize(3).map(members -> "{" + String.join(",", members) + "}");
    }

    // Nesting around the limit and far past it, of objects, arrays or both, closed or not.
    private static Arbitrary<String> deep() {
        Arbitrary<Integer> depth = Arbitraries.frequencyOf(
                Tuple.of(4, Arbitraries.integers().between(60, 70)),
                Tuple.of(1, Arbitraries.of(1_000, 100_000)));
        return Combinators.combine(depth, Arbitraries.of("{\"a\":", "[", "{\"a\":["), Arbitraries.of(true, false))
                .as((levels, open, closed) -> {
                    String close = switch (open) {
                        case "[" -> "]";
                        case "{\"a\":" -> "}";
                        default -> "]}";
                    };
                    int opens = open.equals("[") ? levels - 1 : open.equals("{\"a\":") ? levels - 1 : (levels - 1) / 2;
                    return "{\"x\":" + open.repeat(opens) + "1" + (closed ? close.repeat(opens) : "") + "}";
                });
    }

    private static Arbitrary<Edit> edits() {
        Arbitrary<Character> characters = Arbitraries.frequencyOf(
                Tuple.of(3, Arbitraries.of(INTERESTING)),
                Tuple.of(1, Arbitraries.chars()));
        return Combinators.combine(Arbitraries.integers().between(0, 2), Arbitraries.integers().between(0, 1_000_000),
                characters).as(Edit::new);
    }

    /**
     * One character replaced, inserted or deleted.
     *
     * @param kind 0 replace, 1 insert, 2 delete
     * @param at   where, modulo the length
     * @param c    the character put in
     */
    record Edit(int kind, int at, char c) {
        String apply(String text) {
            if (text.isEmpty()) {
                return kind == 2 ? text : String.valueOf(c);
            }
            int i = at % text.length();
            return switch (kind) {
                case 0 -> text.substring(0, i) + c + text.substring(i + 1);
                case 1 -> text.substring(0, i) + c + text.substring(i);
                default -> text.substring(0, i) + text.substring(i + 1);
            };
        }
    }
}
