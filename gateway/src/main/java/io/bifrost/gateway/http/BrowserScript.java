package io.bifrost.gateway.http;

import io.helidon.http.Header;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * {@code GET /bifrost.js}: the browser helper, a dependency-free ES module shipped in the jar beside this class and
 * read once, at start. Pages import it from the gateway, usually from another origin: module scripts are fetched with
 * CORS, so the answer allows any origin (the file is public and no credentials are involved).
 */
public final class BrowserScript implements Handler {
    /** Where the gateway serves it. */
    public static final String PATH = "/bifrost.js";
    /** The resource, beside this class. */
    static final String RESOURCE = "bifrost.js";
    static final Header CONTENT_TYPE = HeaderValues.create(HeaderNames.CONTENT_TYPE, "text/javascript; charset=utf-8");
    static final Header CACHE_CONTROL = HeaderValues.create(HeaderNames.CACHE_CONTROL, "public, max-age=300");
    static final Header ALLOW_ANY_ORIGIN = HeaderValues.create(HeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, "*");

    private final byte[] script;

    /**
     * Reads the script from the jar.
     *
     * @throws IllegalStateException if the jar lacks it (a broken build)
     */
    public BrowserScript() {
        this.script = Pages.resource(BrowserScript.class, RESOURCE);
    }

    /**
     * @return the script's bytes as served (a copy)
     */
    public byte[] bytes() {
        return script.clone();
    }

    @Override
    public void handle(ServerRequest req, ServerResponse res) {
        res.header(CONTENT_TYPE).header(CACHE_CONTROL).header(ALLOW_ANY_ORIGIN).send(script);
    }
}
