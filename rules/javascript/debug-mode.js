const express = require('express');
const errorhandler = require('errorhandler');
const { ApolloServer } = require('@apollo/server');

const app = express();

// ruleid: mergegate.javascript.debug-mode-enabled
app.use(errorhandler());

if (process.env.NODE_ENV === 'development') {
  // ok: mergegate.javascript.debug-mode-enabled
  app.use(errorhandler({ log: true }));
}

// ruleid: mergegate.javascript.debug-mode-enabled
const server = new ApolloServer({ typeDefs, resolvers, debug: true });
// ok: mergegate.javascript.debug-mode-enabled
const quiet = new ApolloServer({ typeDefs, resolvers, debug: process.env.NODE_ENV !== 'production' });

module.exports = { app, server, quiet };
