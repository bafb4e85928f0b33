package com.acme.files;

import java.io.File;
import java.io.FileOutputStream;
import java.util.zip.ZipEntry;
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

    private HttpServletRequest request;

    // a getter of the request data in the same class is a source too
    private String requestedName() {
        return request.getParameter("name");
    }

    private String requestedFolder() {
        String folder = request.getHeader("X-Folder");
        return folder;
    }

    public void viaHelpers(byte[] upload) throws Exception {
        // ruleid: mergegate.java.path-traversal
        new File(requestedName()).delete();
        // ruleid: mergegate.java.path-traversal
        File.createTempFile("up", ".tmp", new File(this.requestedFolder()));
        // ruleid: mergegate.java.path-traversal
        new File("/srv/uploads/current").renameTo(new File(requestedName()));
        // ok: mergegate.java.path-traversal
        Files.write(BASE.resolve("upload.bin"), requestedName().getBytes());
        String name = requestedName();
        if (!name.contains("..") && name.startsWith("/srv/uploads/")) {
            // ok: mergegate.java.path-traversal
            Files.write(Paths.get(name), upload);
        }
    }

    public void unzip(ZipEntry entry, File dir) throws Exception {
        File target = new File(dir, entry.getName());
        // ruleid: mergegate.java.zip-slip
        FileOutputStream out = new FileOutputStream(target);
        // ruleid: mergegate.java.zip-slip
        Files.createDirectories(dir.toPath().resolve(entry.getName()));
        // ok: mergegate.java.zip-slip
        FileInputStream readOnly = new FileInputStream(entry.getName());
        out.close();
        readOnly.close();
    }

    public void unzipChecked(ZipEntry entry, File dir) throws Exception {
        File target = new File(dir, entry.getName());
        if (!target.toPath().normalize().startsWith(dir.toPath()))
            throw new IllegalStateException("entry outside the target folder");
        // ok: mergegate.java.zip-slip
        FileOutputStream out = new FileOutputStream(target);
        out.close();
    }

    private void ensureInside(File dir, File file) throws Exception {
        if (!file.getCanonicalFile().toPath().startsWith(dir.getCanonicalFile().toPath()))
            throw new IllegalStateException("entry outside the target folder");
    }

    public void unzipCheckedByHelper(ZipEntry entry, File dir) throws Exception {
        File target = new File(dir, entry.getName());
        ensureInside(dir, target);
        // ok: mergegate.java.zip-slip
        FileOutputStream out = new FileOutputStream(target);
        out.close();
    }
}
