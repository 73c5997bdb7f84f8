'use strict';
// The built page (index.html, app.js, app.css): serve this directory as static files.
const { join } = require('node:path');

exports.assetsDir = join(__dirname, 'dist');
