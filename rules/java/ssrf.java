package com.acme.preview;

import java.net.URL;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.client.RestTemplate;

public class PreviewController {
    private final RestTemplate rest = new RestTemplate();

    @GetMapping("/preview")
    public String preview(@RequestParam String url, @RequestParam String user) throws Exception {
        // ruleid: mergegate.java.ssrf
        String page = rest.getForObject(url, String.class);
        URL feed = new URL(url);
        // ruleid: mergegate.java.ssrf
        java.io.InputStream body = feed.openStream();
        // ok: mergegate.java.ssrf
        String host = new URL(url).getHost();
        // ok: mergegate.java.ssrf
        String profile = rest.getForObject(
            "https://api.github.com/users/" + URLEncoder.encode(user, StandardCharsets.UTF_8), String.class);
        return page + body + host + profile;
    }
}
