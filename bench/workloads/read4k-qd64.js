'use strict';
module.exports = require('../lib/read4k').read4k(64);
