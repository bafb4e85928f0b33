package com.acme.config;

import javax.servlet.http.HttpServletResponse;
import org.springframework.security.config.annotation.web.builders.WebSecurity;
import org.springframework.security.config.annotation.web.configuration.EnableWebSecurity;

// ruleid: mergegate.java.debug-mode-enabled
@EnableWebSecurity(debug = true)
class SecurityConfig {
    void customize(WebSecurity web) {
        // ok: mergegate.java.debug-mode-enabled
        web.ignoring();
    }
}

// ok: mergegate.java.debug-mode-enabled
@EnableWebSecurity
class StrictSecurityConfig {
    void handle(Exception e, HttpServletResponse resp) throws Exception {
        // ruleid: mergegate.java.debug-mode-enabled
        e.printStackTrace(resp.getWriter());
        // ok: mergegate.java.debug-mode-enabled
        resp.sendError(500, "Internal error");
    }
}
