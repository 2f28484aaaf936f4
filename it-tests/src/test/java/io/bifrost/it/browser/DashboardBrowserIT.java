package io.bifrost.it.browser;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.bifrost.gateway.Gateway;
import io.bifrost.gateway.config.GatewayConfig;
import io.bifrost.gateway.testkit.TestGateway;
import io.bifrost.gateway.testkit.WsClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Issue 11's real-browser acceptance test of {@code /dashboard}, in headless Chromium against a gateway in
 * development: the page shows exactly the sockets opened, a broadcast posted shows on the broadcasts plot and in the
 * count, and the "try it" panel subscribes the page and posts a broadcast it then receives. A screenshot is kept.
 */
class DashboardBrowserIT {
    private static final int SOCKETS = 7;

    @Test
    void dashboardShowsTheRealSocketCountAndABroadcastOnItsPlotAndTheTryItPanelRoundTrips(@TempDir Path dir)
            throws Exception {
        try (Gateway gateway = Gateway.start(GatewayConfig.embedded(TestGateway.SECRET));
             BrowserKit browser = BrowserKit.start(dir)) {
            List<WsClient> sockets = new ArrayList<>();
            try {
                for (int i = 0; i < SOCKETS; i++) {
                    sockets.add(TestGateway.subscriber(gateway, i < 4 ? new String[] {"orders", "news"}
                            : new String[] {"news"}));
                }
                browser.open(gateway.uri().resolve("/dashboard").toString());
                awaitText(browser, "stream", "live");
                awaitText(browser, "sockets", String.valueOf(SOCKETS));
                // The cluster table comes with the first snapshot after the history.
                BrowserKit.await(() -> String.valueOf(SOCKETS).equals(text(browser, "return document.querySelector("
                                + "'#instances tr[data-instance=\"local\"] td:nth-child(2)')?.textContent")),
                        () -> "the cluster table never showed " + SOCKETS + " sockets on this instance");
                assertEquals("0", browser.js("return document.getElementById('plot-broadcasts').dataset.total"));

                // A few broadcasts a second for a few seconds: they show as a rate on the plot and in the count.
                int posted = 0;
                for (int second = 0; second < 4; second++) {
                    for (int n = 0; n < 2 + second; n++) {
                        assertEquals(200, TestGateway.broadcast(gateway, "news", "new_item",
                                "{\"n\":" + (++posted) + "}").status());
                    }
                    Thread.sleep(1000);
                }
                int total = posted;
                BrowserKit.await(() -> String.valueOf(total).equals(browser.js(
                                "return document.getElementById('plot-broadcasts').dataset.total")),
                        () -> "the page never counted " + total + " broadcasts");
                BrowserKit.await(() -> Double.parseDouble((String) browser.js(
                                "return document.getElementById('plot-broadcasts').dataset.max")) > 0,
                        () -> "the broadcasts plot never rose above 0");
                BrowserKit.await(() -> ((Number) browser.js("return document.querySelectorAll("
                                + "'#plot-broadcasts polyline, #plot-broadcasts circle').length")).intValue() > 0,
                        () -> "the broadcasts plot draws nothing");
                BrowserKit.await(() -> "news".equals(browser.js("return document.querySelector("
                                + "'#top-channels tbody tr td')?.textContent")),
                        () -> "news never showed as the top channel");

                // The "try it" panel: subscribe this page, post a broadcast through /broadcast, see it arrive.
                browser.js("document.getElementById('try-channel').value = 'dashboard:demo'");
                clickById(browser, "try-subscribe");
                awaitText(browser, "try-status", "subscribed to dashboard:demo");
                clickById(browser, "try-broadcast");
                BrowserKit.await(() -> text(browser, "return document.getElementById('try-log').textContent")
                                .contains("\"event\":\"hello\""),
                        () -> "the page never received its broadcast: "
                                + text(browser, "return document.getElementById('try-log').textContent"));
                // Its own socket counts too.
                awaitText(browser, "sockets", String.valueOf(SOCKETS + 1));
            } finally {
                browser.screenshot("dashboard.png");
                sockets.forEach(WsClient::close);
            }
        }
    }

    private static void clickById(BrowserKit browser, String id) {
        browser.js("document.getElementById(arguments[0]).click()", id);
    }

    private static String text(BrowserKit browser, String script, Object... args) {
        Object value = browser.js(script, args);
        return value == null ? "" : value.toString();
    }

    private static void awaitText(BrowserKit browser, String id, String expected) throws InterruptedException {
        BrowserKit.await(() -> expected.equals(text(browser,
                        "return document.getElementById(arguments[0]).textContent", id)),
                () -> "#" + id + " never showed '" + expected + "'; it shows '"
                        + text(browser, "return document.getElementById(arguments[0]).textContent", id) + "'");
    }
}
