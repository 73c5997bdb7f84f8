#!/usr/bin/env node
// Puts the native status line (crates/relayburn-statusline) into each per-platform package
// next to its `.node`, and lists it in the package's `files`: what `napi create-npm-dirs` and
// `napi artifacts` do for the addon. Used by scripts/build-targets.mjs and the release workflow.
// Usage: node scripts/add-statusline.mjs <artifacts dir> <npm dir>
//   <artifacts dir> holds relayburn-statusline.<platform>[.exe] per target built, or (the
//   release workflow's downloaded artifacts) bindings-<triple>/relayburn-statusline[.exe];
//   <npm dir> holds the packages (<npm dir>/<platform>/package.json).
import { chmodSync, copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sdkTargets, statuslineFile } from './platform-targets.mjs';

/** The artifact name of a target's executable (its platform in the name, as the `.node`'s). */
export function statuslineArtifact(t) {
  const file = statuslineFile(t);
  return file.endsWith('.exe') ? `relayburn-statusline.${t.platform}.exe` : `${file}.${t.platform}`;
}

export function addStatusline(artifacts, npmDir) {
  let added = 0;
  for (const t of sdkTargets().targets) {
    const file = statuslineFile(t);
    const from = [join(artifacts, statuslineArtifact(t)), join(artifacts, `bindings-${t.triple}`, file)].find(
      (f) => existsSync(f),
    );
    const pkgDir = join(npmDir, t.platform);
    if (!from || !existsSync(join(pkgDir, 'package.json'))) continue;
    copyFileSync(from, join(pkgDir, file));
    chmodSync(join(pkgDir, file), 0o755);
    const manifest = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
    const files = Array.isArray(manifest.files) ? manifest.files : [];
    if (!files.includes(file)) manifest.files = [...files, file];
    writeFileSync(join(pkgDir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    added++;
  }
  return added;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [artifacts, npmDir] = process.argv.slice(2);
  if (!artifacts || !npmDir) {
    console.error('usage: add-statusline.mjs <artifacts dir> <npm dir>');
    process.exitCode = 1;
  } else {
    console.log(
      `relayburn-statusline added to ${addStatusline(resolve(artifacts), resolve(npmDir))} package(s)`,
    );
  }
}
