package com.acme.tools;

import java.io.IOException;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

public class PingServlet {
    public void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String host = req.getParameter("host");
        // ruleid: mergegate.java.command-injection, mergegate.java.shell-command-building
        Runtime.getRuntime().exec("ping -c 1 " + host);
        // ruleid: mergegate.java.command-injection, mergegate.java.shell-command-building
        new ProcessBuilder("sh", "-c", "nslookup " + host).start();
        // ok: mergegate.java.command-injection
        new ProcessBuilder("ping", "-c", "1", host).start();
    }

    public Process backup(String dir) throws IOException {
        // ruleid: mergegate.java.shell-command-building
        Process p = Runtime.getRuntime().exec(String.format("tar -czf backup.tgz %s", dir));
        // ok: mergegate.java.shell-command-building
        Process q = new ProcessBuilder("tar", "-czf", "backup.tgz", dir).start();
        // ok: mergegate.java.shell-command-building
        Runtime.getRuntime().exec("git rev-parse HEAD");
        return q;
    }

    public static void main(String[] args) throws IOException {
        java.util.List<String> cmd = new java.util.ArrayList<>();
        cmd.add("/bin/bash");
        cmd.add("-c");
        cmd.add("echo " + args[0]);
        // ruleid: mergegate.java.command-injection, mergegate.java.shell-command-building
        new ProcessBuilder(cmd).start();
        // ok: mergegate.java.command-injection
        new ProcessBuilder("echo", args[0]).start();
    }
}
