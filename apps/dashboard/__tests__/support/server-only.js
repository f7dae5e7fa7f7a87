// Stand-in for the `server-only` marker under jest (which is the server): the real one throws outside React's server graph.
module.exports = {};
