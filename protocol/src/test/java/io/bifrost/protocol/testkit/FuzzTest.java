package io.bifrost.protocol.testkit;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FuzzTest {
    private static final Pattern CASE_SEED = Pattern.compile("replay this case alone: -Dbifrost\\.fuzz\\.seed=(-?\\d+) ");

    @Test
    void aFailureNamesTheTryAndTheSeedThatReplaysItsCaseAlone() {
        AssertionError failure = assertThrows(AssertionError.class, () -> Fuzz.seeded("multiplesOf7", 500, 500, 42)
                .forAll(random -> random.nextInt(1_000_000), n -> assertTrue(n % 7 != 0, n + " is a multiple of 7")));
        int failed = Integer.parseInt(failure.getMessage().replaceAll("(?s).*\n  case: (\\d+)\n.*", "$1"));
        assertEquals(0, failed % 7, failure.getMessage());
        assertTrue(failure.getMessage().startsWith("multiplesOf7 failed on try "), failure.getMessage());
        assertTrue(failure.getMessage().contains("the whole run: -Dbifrost.fuzz.seed=42"), failure.getMessage());

        Matcher seed = CASE_SEED.matcher(failure.getMessage());
        assertTrue(seed.find(), failure.getMessage());
        List<Integer> replayed = new ArrayList<>();
        Fuzz.seeded("replay", 500, 1, Long.parseLong(seed.group(1))).forAll(random -> random.nextInt(1_000_000),
                replayed::add);
        assertEquals(List.of(failed), replayed);
    }

    @Test
    void theSameSeedMakesTheSameCases() {
        List<Long> first = new ArrayList<>();
        List<Long> second = new ArrayList<>();
        Fuzz.seeded("first", 50, 50, 7).forAll(random -> random.nextLong(), first::add);
        Fuzz.seeded("second", 50, 50, 7).forAll(random -> random.nextLong(), second::add);
        List<Long> other = new ArrayList<>();
        Fuzz.seeded("other", 50, 50, 8).forAll(random -> random.nextLong(), other::add);

        assertEquals(first, second);
        assertTrue(first.stream().noneMatch(other::contains), "seeds 7 and 8 made some of the same cases");
    }

    @Test
    void anExceptionFailsThePropertyAsAnAssertionDoes() {
        AssertionError failure = assertThrows(AssertionError.class, () -> Fuzz.seeded("throws", 10, 10, 1)
                .forAll(random -> random.nextInt(10), n -> {
                    throw new IOException("broken on " + n);
                }));
        assertInstanceOf(IOException.class, failure.getCause());
        assertTrue(failure.getMessage().contains("failed on try 1 of 10: java.io.IOException: broken on"),
                failure.getMessage());
    }

    @Test
    void aRunThatReachesAValueTooRarelyFailsItsCoverageCheck() {
        Fuzz fuzz = Fuzz.seeded("rare", 200, 200, 3).requires("digit", 0, 50);
        AssertionError failure = assertThrows(AssertionError.class,
                () -> fuzz.forAll(random -> random.nextInt(10), n -> fuzz.collect("digit", n)));
        assertTrue(failure.getMessage().contains("digit = 0 in " + fuzz.count("digit", 0) + " tries, 50 needed"),
                failure.getMessage());
    }

    @Test
    void aRunWithFewerTriesThanItsChecksAreSizedForSkipsThem() {
        Fuzz fuzz = Fuzz.seeded("replayed", 200, 1, 3).requires("digit", 0, 50);
        fuzz.forAll(random -> random.nextInt(10), n -> fuzz.collect("tries", "run"));
        assertEquals(1, fuzz.count("tries", "run"));
    }

    @Test
    void aTryThatHangsFailsTheRunWithItsSeed() {
        AssertionError failure = assertThrows(AssertionError.class, () -> Fuzz.seeded("hangs", 20, 20, 5)
                .within(Duration.ofMillis(500))
                .forAll(random -> random.nextInt(), n -> Thread.sleep(60_000)));
        assertTrue(failure.getMessage().contains("0 of 20 tries done in 500 ms, the run's time limit; still running:"
                + " [try 1 (seed 5)]"), failure.getMessage());
    }

    @Test
    void triesRunInParallelAllRunAndTheFirstFailureIsReported() {
        Fuzz fuzz = Fuzz.seeded("parallel", 300, 300, 11).inParallel(8);
        fuzz.forAll(random -> random.nextInt(3), n -> fuzz.collect("n", n));
        assertEquals(300, fuzz.count("n", 0) + fuzz.count("n", 1) + fuzz.count("n", 2));

        AssertionError failure = assertThrows(AssertionError.class, () -> Fuzz.seeded("parallel", 300, 300, 11)
                .inParallel(8).forAll(random -> random.nextInt(3), n -> assertTrue(n != 2)));
        assertTrue(failure.getMessage().startsWith("parallel failed on try "), failure.getMessage());
    }
}
