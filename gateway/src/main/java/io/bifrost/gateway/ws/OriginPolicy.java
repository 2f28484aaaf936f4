package io.bifrost.gateway.ws;

import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Which browser origins may open a socket ({@code BIFROST_ALLOWED_ORIGINS}). Authentication is by token, so a page
 * on another origin gets nothing without one; the policy is for operators who also want the browser's word on where
 * a page came from. Requests without {@code Origin} come from programs, not pages, and are let through.
 *
 * @param allowed origins like {@code https://app.example.com}, lowercase; empty allows any origin, as Bifrost did
 */
public record OriginPolicy(Set<String> allowed) {
    /** Any origin. */
    public static final OriginPolicy ANY = new OriginPolicy(Set.of());

    /**
     * Normalises the list: lowercase, no trailing slash.
     */
    public OriginPolicy {
        allowed = allowed.stream().map(OriginPolicy::normalise).collect(Collectors.toUnmodifiableSet());
    }

    /**
     * @param origin the request's {@code Origin} header, or null when it has none
     * @return true if a socket may be opened from it
     */
    public boolean allows(String origin) {
        return allowed.isEmpty() || origin == null || allowed.contains(normalise(origin));
    }

    private static String normalise(String origin) {
        String trimmed = origin.trim().toLowerCase(Locale.ROOT);
        return trimmed.endsWith("/") ? trimmed.substring(0, trimmed.length() - 1) : trimmed;
    }
}
