/** Absolute path of the built page's directory (`index.html`, `app.js`, `app.css`): serve it as static files. */
export declare const assetsDir: string;
