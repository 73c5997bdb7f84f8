// Reads what a `.node` addon is from its headers alone (no `file`, `readelf` or `objdump`
// needed, so the check runs on any machine): ELF, Mach-O or PE; the CPU it is for; the
// libraries it needs (for ELF, which libc); and whether it exports a symbol. Only the 64-bit
// little-endian forms are read: every target relayburn ships is one.
import { createHash } from 'node:crypto';

const ELF_MACHINES = { 62: 'x86_64', 183: 'aarch64' };
const MACHO_CPUS = { 16777223: 'x86_64', 16777228: 'aarch64' };
const PE_MACHINES = { 34404: 'x86_64', 43620: 'aarch64' };

/**
 * @typedef {object} BinaryInfo
 * @property {'elf' | 'macho' | 'pe'} format
 * @property {string} arch  `x86_64`, `aarch64`, or `unknown(<number>)`
 * @property {boolean} sharedLibrary  ELF `ET_DYN`, Mach-O dylib/bundle, PE DLL
 * @property {boolean} executable  a program: ELF `ET_EXEC`, or `ET_DYN` with an interpreter or
 *   the `DF_1_PIE` flag (a position-independent or static-pie program), Mach-O `MH_EXECUTE`,
 *   PE not a DLL
 * @property {string[]} needed  libraries it links to (ELF `DT_NEEDED`, Mach-O load commands, PE imports)
 * @property {string | undefined} interpreter  ELF `PT_INTERP`, when there is one
 * @property {'glibc' | 'musl' | undefined} libc  ELF only: from the interpreter and needed libraries
 * @property {string | undefined} glibcVersion  ELF glibc: the newest `GLIBC_x.y` symbol version it needs
 * @property {string[]} exports  exported symbol names (Mach-O without the leading `_`)
 * @property {'valid' | 'invalid' | 'none' | undefined} codeSignature  Mach-O only: whether the
 *   page hashes of its code signature match the file (macOS on arm64 loads only signed code)
 */

/** @param {Buffer} buf @returns {BinaryInfo} */
export function readBinary(buf) {
  if (buf.length >= 4 && buf.readUInt32BE(0) === 0x7f454c46) return readElf(buf);
  if (buf.length >= 4 && buf.readUInt32LE(0) === 0xfeedfacf) return readMachO(buf);
  if (buf.length >= 2 && buf.toString('latin1', 0, 2) === 'MZ') return readPe(buf);
  throw new Error('not an ELF, 64-bit Mach-O or PE file');
}

function cstring(buf, at) {
  if (at < 0 || at >= buf.length) throw new Error(`string offset ${at} outside the file`);
  const end = buf.indexOf(0, at);
  return buf.toString('latin1', at, end < 0 ? buf.length : end);
}

function need(buf, at, len, what) {
  if (at < 0 || at + len > buf.length) throw new Error(`${what} outside the file (truncated?)`);
}

// ---- ELF ----

function readElf(buf) {
  need(buf, 0, 64, 'ELF header');
  if (buf[4] !== 2 || buf[5] !== 1) throw new Error('ELF: only 64-bit little-endian is read');
  const type = buf.readUInt16LE(16);
  const machine = buf.readUInt16LE(18);
  const shoff = Number(buf.readBigUInt64LE(40));
  const phoff = Number(buf.readBigUInt64LE(32));
  const phentsize = buf.readUInt16LE(54);
  const phnum = buf.readUInt16LE(56);
  const shentsize = buf.readUInt16LE(58);
  const shnum = buf.readUInt16LE(60);

  let interpreter;
  for (let i = 0; i < phnum; i++) {
    const p = phoff + i * phentsize;
    need(buf, p, 56, 'ELF program header');
    if (buf.readUInt32LE(p) === 3 /* PT_INTERP */) {
      interpreter = cstring(buf, Number(buf.readBigUInt64LE(p + 8)));
    }
  }

  const sections = [];
  for (let i = 0; i < shnum; i++) {
    const s = shoff + i * shentsize;
    need(buf, s, 64, 'ELF section header');
    sections.push({
      type: buf.readUInt32LE(s + 4),
      offset: Number(buf.readBigUInt64LE(s + 24)),
      size: Number(buf.readBigUInt64LE(s + 32)),
      link: buf.readUInt32LE(s + 40),
      entsize: Number(buf.readBigUInt64LE(s + 56)),
    });
  }

  const needed = [];
  const exports = [];
  const versions = [];
  let pie = false;
  for (const sec of sections) {
    const strtab = sections[sec.link];
    if (sec.type === 6 /* SHT_DYNAMIC */ && strtab) {
      for (let at = sec.offset; at + 16 <= sec.offset + sec.size; at += 16) {
        const tag = buf.readBigInt64LE(at);
        if (tag === 0n) break;
        if (tag === 1n /* DT_NEEDED */) {
          needed.push(cstring(buf, strtab.offset + Number(buf.readBigUInt64LE(at + 8))));
        }
        if (tag === 0x6ffffffbn /* DT_FLAGS_1 */ && (buf.readBigUInt64LE(at + 8) & 0x08000000n) !== 0n) {
          pie = true; // DF_1_PIE
        }
      }
    } else if (sec.type === 11 /* SHT_DYNSYM */ && strtab) {
      for (let at = sec.offset; at + 24 <= sec.offset + sec.size; at += sec.entsize || 24) {
        const bind = buf[at + 4] >> 4;
        const shndx = buf.readUInt16LE(at + 6);
        // Defined (not SHN_UNDEF) global or weak symbols are what the loader can find.
        if (shndx !== 0 && (bind === 1 || bind === 2)) {
          exports.push(cstring(buf, strtab.offset + buf.readUInt32LE(at)));
        }
      }
    } else if (sec.type === 0x6ffffffe /* SHT_GNU_verneed */ && strtab) {
      let at = sec.offset;
      for (;;) {
        need(buf, at, 16, 'ELF version need');
        const cnt = buf.readUInt16LE(at + 2);
        let aux = at + buf.readUInt32LE(at + 8);
        for (let i = 0; i < cnt; i++) {
          need(buf, aux, 16, 'ELF version need entry');
          versions.push(cstring(buf, strtab.offset + buf.readUInt32LE(aux + 8)));
          const next = buf.readUInt32LE(aux + 12);
          if (next === 0) break;
          aux += next;
        }
        const next = buf.readUInt32LE(at + 12);
        if (next === 0) break;
        at += next;
      }
    }
  }

  const libs = [...needed, ...(interpreter ? [interpreter] : [])].map((l) => l.split('/').pop() ?? l);
  const isGlibc = libs.some((l) => l === 'libc.so.6' || /^ld-linux/.test(l));
  const isMusl = libs.some((l) => l === 'libc.so' || /^(ld|libc)\.musl-/.test(l));
  return {
    format: 'elf',
    arch: ELF_MACHINES[machine] ?? `unknown(${machine})`,
    sharedLibrary: type === 3 && !pie && interpreter === undefined,
    executable: type === 2 || (type === 3 && (pie || interpreter !== undefined)),
    needed,
    interpreter,
    libc: isGlibc && !isMusl ? 'glibc' : isMusl && !isGlibc ? 'musl' : undefined,
    glibcVersion: newestGlibc(versions),
    exports,
    codeSignature: undefined,
  };
}

function newestGlibc(versions) {
  const parsed = versions
    .map((v) => /^GLIBC_(\d+)\.(\d+)(?:\.(\d+))?$/.exec(v))
    .filter((m) => m !== null)
    .map((m) => [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)]);
  if (parsed.length === 0) return undefined;
  parsed.sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2]);
  const [major, minor, patch] = parsed[parsed.length - 1];
  return patch ? `${major}.${minor}.${patch}` : `${major}.${minor}`;
}

// ---- Mach-O ----

function uleb(buf, at) {
  let value = 0;
  let shift = 0;
  for (;;) {
    need(buf, at, 1, 'Mach-O export trie');
    const byte = buf[at++];
    value += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) return [value, at];
    shift += 7;
  }
}

/** Every name in a Mach-O export trie (what dyld's `dlsym` searches). */
function trieNames(buf, start, size) {
  const names = [];
  const seen = new Set();
  const walk = (node, prefix) => {
    if (node >= size || seen.has(node)) return;
    seen.add(node);
    let [terminal, at] = uleb(buf, start + node);
    if (terminal > 0) names.push(prefix);
    at += terminal;
    need(buf, at, 1, 'Mach-O export trie');
    const children = buf[at++];
    for (let i = 0; i < children; i++) {
      const label = cstring(buf, at);
      at += Buffer.byteLength(label, 'latin1') + 1;
      let child;
      [child, at] = uleb(buf, at);
      walk(child, prefix + label);
    }
  };
  walk(0, '');
  return names;
}

function readMachO(buf) {
  need(buf, 0, 32, 'Mach-O header');
  const cputype = buf.readUInt32LE(4);
  const filetype = buf.readUInt32LE(12);
  const ncmds = buf.readUInt32LE(16);
  const needed = [];
  let exports = [];
  let trie;
  let signature;
  let at = 32;
  for (let i = 0; i < ncmds; i++) {
    need(buf, at, 8, 'Mach-O load command');
    const cmd = buf.readUInt32LE(at);
    const size = buf.readUInt32LE(at + 4);
    const base = cmd & 0x7fffffff;
    if (base === 0x0c || base === 0x18 || base === 0x1f) {
      // LC_LOAD_DYLIB, LC_LOAD_WEAK_DYLIB, LC_REEXPORT_DYLIB: a dylib_command, name at an offset.
      needed.push(cstring(buf, at + buf.readUInt32LE(at + 8)));
    } else if (base === 0x22 /* LC_DYLD_INFO(_ONLY) */) {
      const off = buf.readUInt32LE(at + 40);
      const len = buf.readUInt32LE(at + 44);
      if (len > 0) trie = [off, len];
    } else if (cmd === 0x1d /* LC_CODE_SIGNATURE */) {
      signature = [buf.readUInt32LE(at + 8), buf.readUInt32LE(at + 12)];
    } else if (base === 0x33 /* LC_DYLD_EXPORTS_TRIE */) {
      trie = [buf.readUInt32LE(at + 8), buf.readUInt32LE(at + 12)];
    } else if (cmd === 0x02 /* LC_SYMTAB */ && !trie) {
      const symoff = buf.readUInt32LE(at + 8);
      const nsyms = buf.readUInt32LE(at + 12);
      const stroff = buf.readUInt32LE(at + 16);
      for (let s = 0; s < nsyms; s++) {
        const e = symoff + s * 16;
        need(buf, e, 16, 'Mach-O symbol');
        const type = buf[e + 4];
        // N_EXT set, N_STAB clear, defined in a section (N_SECT).
        if ((type & 0x01) !== 0 && (type & 0xe0) === 0 && (type & 0x0e) === 0x0e) {
          exports.push(cstring(buf, stroff + buf.readUInt32LE(e)));
        }
      }
    }
    if (size < 8) throw new Error('Mach-O: malformed load command');
    at += size;
  }
  if (trie) {
    need(buf, trie[0], trie[1], 'Mach-O export trie');
    exports = trieNames(buf, trie[0], trie[1]);
  }
  return {
    format: 'macho',
    arch: MACHO_CPUS[cputype] ?? `unknown(${cputype})`,
    sharedLibrary: filetype === 6 /* MH_DYLIB */ || filetype === 8 /* MH_BUNDLE */,
    executable: filetype === 2 /* MH_EXECUTE */,
    needed,
    interpreter: undefined,
    libc: undefined,
    glibcVersion: undefined,
    exports: exports.map((n) => (n.startsWith('_') ? n.slice(1) : n)),
    codeSignature: signature ? checkCodeSignature(buf, signature[0], signature[1]) : 'none',
  };
}

/**
 * Checks the code directory's page hashes against the file (an ad-hoc signature is only these
 * hashes; a signed file changed afterwards, e.g. stripped, no longer matches and is refused).
 */
function checkCodeSignature(buf, off, size) {
  need(buf, off, size, 'Mach-O code signature');
  if (buf.readUInt32BE(off) !== 0xfade0cc0 /* embedded signature */) return 'invalid';
  const count = buf.readUInt32BE(off + 8);
  for (let i = 0; i < count; i++) {
    need(buf, off + 12 + i * 8, 8, 'Mach-O signature index');
    if (buf.readUInt32BE(off + 12 + i * 8) !== 0 /* CSSLOT_CODEDIRECTORY */) continue;
    const cd = off + buf.readUInt32BE(off + 16 + i * 8);
    need(buf, cd, 44, 'Mach-O code directory');
    if (buf.readUInt32BE(cd) !== 0xfade0c02) return 'invalid';
    const hashOffset = buf.readUInt32BE(cd + 16);
    const nCodeSlots = buf.readUInt32BE(cd + 28);
    const codeLimit = buf.readUInt32BE(cd + 32);
    const hashSize = buf[cd + 36];
    const hashType = buf[cd + 37];
    const pageSize = 2 ** buf[cd + 39];
    const algorithm = { 1: 'sha1', 2: 'sha256', 3: 'sha256', 4: 'sha384' }[hashType];
    if (!algorithm || codeLimit > buf.length) return 'invalid';
    need(buf, cd + hashOffset, nCodeSlots * hashSize, 'Mach-O code hashes');
    for (let page = 0; page < nCodeSlots; page++) {
      const from = page * pageSize;
      const digest = createHash(algorithm)
        .update(buf.subarray(from, Math.min(from + pageSize, codeLimit)))
        .digest()
        .subarray(0, hashSize);
      const stored = buf.subarray(cd + hashOffset + page * hashSize, cd + hashOffset + (page + 1) * hashSize);
      if (!digest.equals(stored)) return 'invalid';
    }
    return 'valid';
  }
  return 'invalid';
}

// ---- PE ----

function readPe(buf) {
  need(buf, 0, 64, 'DOS header');
  const pe = buf.readUInt32LE(0x3c);
  need(buf, pe, 24, 'PE header');
  if (buf.readUInt32BE(pe) !== 0x50450000) throw new Error('PE: no "PE\\0\\0" signature');
  const machine = buf.readUInt16LE(pe + 4);
  const nsections = buf.readUInt16LE(pe + 6);
  const optSize = buf.readUInt16LE(pe + 20);
  const characteristics = buf.readUInt16LE(pe + 22);
  const opt = pe + 24;
  need(buf, opt, optSize, 'PE optional header');
  if (buf.readUInt16LE(opt) !== 0x20b) throw new Error('PE: only PE32+ (64-bit) is read');
  const dirs = opt + 112;
  const sections = [];
  for (let i = 0; i < nsections; i++) {
    const s = opt + optSize + i * 40;
    need(buf, s, 40, 'PE section header');
    sections.push({
      va: buf.readUInt32LE(s + 12),
      vsize: Math.max(buf.readUInt32LE(s + 8), buf.readUInt32LE(s + 16)),
      raw: buf.readUInt32LE(s + 20),
    });
  }
  const offsetOf = (rva) => {
    const sec = sections.find((s) => rva >= s.va && rva < s.va + s.vsize);
    if (!sec) throw new Error(`PE: address 0x${rva.toString(16)} in no section`);
    return rva - sec.va + sec.raw;
  };

  const exports = [];
  const exportRva = buf.readUInt32LE(dirs);
  if (exportRva !== 0) {
    const ed = offsetOf(exportRva);
    need(buf, ed, 40, 'PE export directory');
    const count = buf.readUInt32LE(ed + 24);
    const names = offsetOf(buf.readUInt32LE(ed + 32));
    for (let i = 0; i < count; i++) exports.push(cstring(buf, offsetOf(buf.readUInt32LE(names + i * 4))));
  }

  const needed = [];
  const importRva = buf.readUInt32LE(dirs + 8);
  if (importRva !== 0) {
    for (let d = offsetOf(importRva); ; d += 20) {
      need(buf, d, 20, 'PE import descriptor');
      const name = buf.readUInt32LE(d + 12);
      if (name === 0) break;
      needed.push(cstring(buf, offsetOf(name)));
    }
  }
  return {
    format: 'pe',
    arch: PE_MACHINES[machine] ?? `unknown(${machine})`,
    sharedLibrary: (characteristics & 0x2000) !== 0 /* IMAGE_FILE_DLL */,
    executable: (characteristics & 0x2000) === 0,
    needed,
    interpreter: undefined,
    libc: undefined,
    glibcVersion: undefined,
    exports,
    codeSignature: undefined,
  };
}
