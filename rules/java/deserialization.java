package com.acme.session;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.io.ObjectInputFilter;
import java.io.ObjectInputStream;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

public class SessionStore {
    public Object restore(InputStream body) throws Exception {
        ObjectInputStream in = new ObjectInputStream(body);
        // ruleid: mergegate.java.unsafe-deserialization
        return in.readObject();
    }

    public Object restoreFiltered(InputStream body) throws Exception {
        ObjectInputStream in = new ObjectInputStream(body);
        in.setObjectInputFilter(ObjectInputFilter.Config.createFilter("com.acme.session.*;!*"));
        // ok: mergegate.java.unsafe-deserialization
        return in.readObject();
    }

    public Object config(String text) {
        // ruleid: mergegate.java.unsafe-deserialization
        Object unsafe = new Yaml().load(text);
        // ok: mergegate.java.unsafe-deserialization
        Object safe = new Yaml(new SafeConstructor(new LoaderOptions())).load(text);
        return java.util.List.of(unsafe, safe);
    }

    public ObjectMapper mapper() {
        ObjectMapper mapper = new ObjectMapper();
        // ruleid: mergegate.java.unsafe-deserialization
        mapper.enableDefaultTyping();
        // ok: mergegate.java.unsafe-deserialization
        mapper.findAndRegisterModules();
        return mapper;
    }
}
