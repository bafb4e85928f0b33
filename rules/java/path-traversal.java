package com.acme.files;

import java.io.File;
import java.io.BufferedReader;
import java.io.FileInputStream;
import java.io.FileReader;
import java.io.InputStreamReader;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

public class DownloadServlet {
    private static final Path BASE = Paths.get("/srv/uploads");

    public void doGet(HttpServletRequest req, HttpServletResponse resp) throws Exception {
        String name = req.getParameter("file");
        // ruleid: mergegate.java.path-traversal
        FileInputStream in = new FileInputStream("/srv/uploads/" + name);
        // ruleid: mergegate.java.path-traversal
        byte[] data = Files.readAllBytes(BASE.resolve(name));
        // ok: mergegate.java.path-traversal
        File safe = new File("/srv/uploads", Paths.get(name).getFileName().toString());
        Path candidate = BASE.resolve(safe.getName()).normalize();
        if (candidate.startsWith(BASE)) {
            // ok: mergegate.java.path-traversal
            resp.getOutputStream().write(Files.readAllBytes(candidate));
        }
        resp.getOutputStream().write(data);
        in.close();
    }

    public void fromSocket(Socket sock) throws Exception {
        BufferedReader r = new BufferedReader(new InputStreamReader(sock.getInputStream()));
        String name = r.readLine();
        // ruleid: mergegate.java.path-traversal
        FileReader bad = new FileReader(name);
        if (name.contains("..") || name.contains("/")) {
            throw new IllegalArgumentException("bad file name");
        }
        // ok: mergegate.java.path-traversal
        FileReader good = new FileReader(name);
    }
}
