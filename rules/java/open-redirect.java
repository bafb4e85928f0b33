package com.acme.auth;

import java.util.Set;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;

public class LoginController {
    private static final Set<String> ALLOWED = Set.of("/dashboard", "/settings");

    public void doGet(HttpServletRequest req, HttpServletResponse resp) throws Exception {
        String next = req.getParameter("next");
        if (ALLOWED.contains(next)) {
            // ok: mergegate.java.open-redirect
            resp.sendRedirect(next);
            return;
        }
        // ruleid: mergegate.java.open-redirect
        resp.sendRedirect(next);
    }

    @GetMapping("/logout")
    public String logout(@RequestParam String returnTo, @RequestParam String tab) {
        if (tab.isEmpty()) {
            // ok: mergegate.java.open-redirect
            return "redirect:/settings/" + tab;
        }
        // ruleid: mergegate.java.open-redirect
        return "redirect:" + returnTo;
    }
}
