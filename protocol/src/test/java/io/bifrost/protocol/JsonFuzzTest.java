package io.bifrost.protocol;

import java.io.StringReader;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import jakarta.json.JsonValue;
import jakarta.json.spi.JsonProvider;
import jakarta.json.stream.JsonParser;

import io.bifrost.protocol.testkit.Fuzz;

import org.junit.jupiter.api.Test;

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
    private static final String ALPHA = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

    @Test
    void anyTextIsAnObjectWithinTheLimitsOrInvalidJsonAndNothingElse() {
        // A fuzzer that never reaches a limit, or never produces an object, proves nothing about them.
        Fuzz fuzz = Fuzz.property("anyTextIsAnObjectWithinTheLimitsOrInvalidJsonAndNothingElse", 2000)
                .requires("outcome", "object", 100)
                .requires("outcome", "invalid", 100);
        for (String limit : LIMITS) {
            fuzz.requires("outcome", limit, 10);
        }
        fuzz.forAll(JsonFuzzTest::text, text -> fuzz.collect("outcome", outcome(text)));
    }

    // Checks one text and says what became of it.
    private static String outcome(String text) throws Exception {
        JsonValue reference = parssonValue(text);
        Map<String, Object> parsed;
        try {
            parsed = Json.parseObject(text);
        } catch (InvalidJsonException e) {
            if (reference != null && reference.getValueType() == JsonValue.ValueType.OBJECT) {
                assertTrue(LIMITS.contains(e.getMessage()), "refused JSON that Parsson reads, saying: " + e.getMessage());
            }
            return LIMITS.contains(e.getMessage()) ? e.getMessage() : "invalid";
        }
        assertTrue(reference != null && reference.getValueType() == JsonValue.ValueType.OBJECT,
                "accepted what Parsson does not read as an object");
        assertTrue(depth(parsed) <= Json.MAX_DEPTH, "accepted nesting of " + depth(parsed) + " levels");
        assertTrue(digits(parsed) <= Json.MAX_NUMBER_LENGTH, "accepted a number of " + digits(parsed) + " digits");
        // Through Parsson, not Json: a number of 100 characters may be written back longer ("9e9" is "9E+9").
        assertEquals(reference, parssonValue(Json.write(parsed)), "what was read is not written back the same");
        return "object";
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

    // Objects of any values, nesting around the limit and past it, bare values and any text; half of them edited.
    private static String text(Random random) {
        String text = switch (Fuzz.weighted(random, 6, 2, 1, 1)) {
            case 0 -> object(random, Fuzz.between(random, 0, 6));
            case 1 -> deep(random);
            case 2 -> value(random, Fuzz.between(random, 0, 6));
            default -> Fuzz.anyString(random, 40);
        };
        if (random.nextBoolean()) {
            for (int edits = Fuzz.between(random, 1, 4); edits > 0; edits--) {
                text = Fuzz.edit(random, text, INTERESTING);
            }
        }
        return text;
    }

    // A scalar wrapped in arrays and objects, levels deep.
    private static String value(Random random, int levels) {
        if (levels == 0) {
            return scalar(random);
        }
        return random.nextBoolean() ? array(random, levels - 1) : object(random, levels - 1);
    }

    private static String scalar(Random random) {
        return switch (Fuzz.weighted(random, 3, 3, 1)) {
            case 0 -> Json.quote(Fuzz.anyString(random, 12));
            case 1 -> number(random);
            default -> Fuzz.pick(random, "true", "false", "null");
        };
    }

    private static String number(Random random) {
        String whole = random.nextInt(16) == 0 ? "9".repeat(Fuzz.between(random, 90, 120))
                : Fuzz.string(random, "0123456789", 1, 30);
        if (whole.length() > 1) {
            whole = "1" + whole.substring(1);
        }
        String exponent = switch (Fuzz.weighted(random, 12, 4, 1)) {
            case 0 -> "";
            case 1 -> Fuzz.pick(random, "e0", "E+3", "e-7", "e999999999", "E-999999999", "e2147483647", "e2147483648");
            default -> Fuzz.pick(random, "e2147483649", "e-2147483649", "e99999999999999999999");
        };
        return Fuzz.pick(random, "", "-") + whole + Fuzz.pick(random, "", ".5", ".000", ".12345678901234567890")
                + exponent;
    }

    private static String array(Random random, int levels) {
        List<String> items = new ArrayList<>();
        for (int n = Fuzz.between(random, 0, 3); n > 0; n--) {
            items.add(value(random, levels));
        }
        return "[" + String.join(",", items) + "]";
    }

    private static String object(Random random, int levels) {
        List<String> members = new ArrayList<>();
        for (int n = Fuzz.between(random, 0, 3); n > 0; n--) {
            members.add(Json.quote(Fuzz.string(random, ALPHA, 0, 3)) + ":" + value(random, levels));
        }
        return "{" + String.join(",", members) + "}";
    }

    // Nesting around the limit and far past it, of objects, arrays or both, closed or not.
    private static String deep(Random random) {
        int levels = random.nextInt(5) < 4 ? Fuzz.between(random, 60, 70) : Fuzz.pick(random, 1_000, 100_000);
        String open = Fuzz.pick(random, "{\"a\":", "[", "{\"a\":[");
        String close = switch (open) {
            case "[" -> "]";
            case "{\"a\":" -> "}";
            default -> "]}";
        };
        int opens = open.equals("{\"a\":[") ? (levels - 1) / 2 : levels - 1;
        return "{\"x\":" + open.repeat(opens) + "1" + (random.nextBoolean() ? close.repeat(opens) : "") + "}";
    }
}
