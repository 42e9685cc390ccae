/* Checks in the browser that each credit on the page is in the public log, trusting only the
   log's verifier key: for every element with data-leaf="<index>" and data-record="<record id>"
   it fetches the leaf (/api/v1/log/entries/<index>), checks that the leaf is this record's credit
   (a v1 leaf names the record by its id, a v2 leaf by its tag) and, where the page gives the
   day's opening (data-opening, hex), that the leaf's account is that opening's pseudonym, so the
   credit is provably the citizen's (translog/pseudonyms.py); then it
   hashes it as RFC 9162 §2.1 does (SHA-256(0x00 ‖ leaf)), rebuilds the tree's root from the
   inclusion proof (/api/v1/log/proof/inclusion, §2.1.3.2) and compares it with the root of the
   latest checkpoint (/log/checkpoint), whose Ed25519 signature it verifies against /log/key
   (C2SP signed note: key id = SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key)[:4], signature line
   "— <name> base64(key id ‖ signature)"). All hashing and signature checks use WebCrypto.
   A credit newer than the latest checkpoint waits for the next one and is tried again.
   window.CarbonLedgerVerify exposes the steps, so tests can run the RFC's vectors through them. */
(function () {
  "use strict";

  const HASH_SIZE = 32;
  const KEY_ID_SIZE = 4;
  const ED25519_TYPE = 0x01;
  const LEAF_PREFIX = 0x00;
  const NODE_PREFIX = 0x01;
  const DASH = "\u2014 ";
  const COSIGNATURE_TYPE = 0x04;
  const RECEIPT_HEADER = "c2sp.org/tlog-proof@v1";
  const FIRST_RETRY_MS = 2000;
  const LAST_RETRY_MS = 30000;
  const RECORD_LABEL = "carbonledger/log/record/v2\n";
  const ACCOUNT_LABEL = "carbonledger/log/day-account/v2\n";
  const NAME_BYTES = 16;
  const encoder = new TextEncoder();

  class VerifyError extends Error {}

  function decodeBase64(text) {
    if (typeof text !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4) {
      throw new VerifyError("not base64: " + String(text).slice(0, 20));
    }
    const binary = atob(text);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
    return bytes;
  }

  function concat(...parts) {
    const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
    let at = 0;
    for (const part of parts) { out.set(part, at); at += part.length; }
    return out;
  }

  function equal(a, b) {
    return a.length === b.length && a.every((value, i) => value === b[i]);
  }

  async function sha256(bytes) {
    return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  }

  function hex(bytes) {
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function fromHex(text) {
    if (typeof text !== "string" || !/^([0-9a-f]{2})+$/.test(text)) throw new VerifyError("not hex");
    return Uint8Array.from(text.match(/../g), (pair) => parseInt(pair, 16));
  }

  /* How a v2 leaf names a record: SHA-256(label ‖ record id), first 16 bytes, hex. */
  async function recordTag(record) {
    return hex((await sha256(encoder.encode(RECORD_LABEL + record))).slice(0, NAME_BYTES));
  }

  /* The day's pseudonym that a day's opening (hex) stands for: SHA-256(label ‖ opening). */
  async function accountOfOpening(opening) {
    const digest = await sha256(concat(encoder.encode(ACCOUNT_LABEL), fromHex(opening)));
    return hex(digest.slice(0, NAME_BYTES));
  }

  /* A leaf (JSON text) is the credit of `record`, and, given the day's opening, the citizen's. */
  async function checkCreditLeaf(text, record, opening) {
    let leaf;
    try { leaf = JSON.parse(text); } catch (error) { throw new VerifyError("the leaf is not JSON"); }
    if (leaf === null || typeof leaf !== "object" || leaf.kind !== "credit") {
      throw new VerifyError("the leaf is not a credit");
    }
    if (leaf.v === 1) {
      if (leaf.record !== record) throw new VerifyError("the leaf is not this record's credit");
    } else if (leaf.v === 2) {
      if (leaf.record !== await recordTag(record)) {
        throw new VerifyError("the leaf is not this record's credit");
      }
      if (opening && leaf.account !== await accountOfOpening(opening)) {
        throw new VerifyError("the leaf names another account than yours of that day");
      }
    } else {
      throw new VerifyError("unknown leaf version " + leaf.v);
    }
    return leaf;
  }

  function leafHash(leaf) {
    return sha256(concat(Uint8Array.of(LEAF_PREFIX), leaf));
  }

  function nodeHash(left, right) {
    return sha256(concat(Uint8Array.of(NODE_PREFIX), left, right));
  }

  function checkHash(what, value) {
    if (!(value instanceof Uint8Array) || value.length !== HASH_SIZE) {
      throw new VerifyError(what + " is not a 32-byte SHA-256 hash");
    }
  }

  /* RFC 9162 §2.1.3.2: the root that `proof` and the leaf hash at `index` imply for a tree of
     `size` leaves. Halving by division keeps indexes exact beyond 32 bits. */
  async function rootFromInclusion(hash, index, size, proof) {
    checkHash("the leaf hash", hash);
    proof.forEach((p, i) => checkHash("proof hash #" + i, p));
    if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) {
      throw new VerifyError("leaf " + index + " is not in a tree of size " + size);
    }
    let fn = index;
    let sn = size - 1;
    let r = hash;
    const half = (n) => Math.floor(n / 2);
    for (const p of proof) {
      if (sn === 0) throw new VerifyError("the inclusion proof is too long");
      if (fn % 2 === 1 || fn === sn) {
        r = await nodeHash(p, r);
        while (fn % 2 === 0 && fn !== 0) { fn = half(fn); sn = half(sn); }
      } else {
        r = await nodeHash(r, p);
      }
      fn = half(fn);
      sn = half(sn);
    }
    if (sn !== 0) throw new VerifyError("the inclusion proof is too short");
    return r;
  }

  async function verifyInclusion(hash, index, size, proof, root) {
    checkHash("the root hash", root);
    const computed = await rootFromInclusion(hash, index, size, proof);
    if (!equal(computed, root)) {
      throw new VerifyError("the inclusion proof of leaf " + index + " does not lead to the signed root");
    }
  }

  /* A signed-note verifier key: <name>+<hex key id>+<base64(0x01 ‖ 32-byte Ed25519 key)>. */
  async function parseVerifierKey(vkey, type = ED25519_TYPE) {
    const text = vkey.trim();
    const first = text.indexOf("+");
    const second = text.indexOf("+", first + 1);
    if (first <= 0 || second < 0) throw new VerifyError("the log key is not name+id+key");
    const name = text.slice(0, first);
    const hexId = text.slice(first + 1, second);
    const raw = decodeBase64(text.slice(second + 1));
    if (!/^[0-9a-f]{8}$/.test(hexId) || raw.length !== 33 || raw[0] !== type) {
      throw new VerifyError("the log key is not a 4-byte id and an Ed25519 key");
    }
    const keyId = Uint8Array.from(hexId.match(/../g), (pair) => parseInt(pair, 16));
    const publicKey = raw.slice(1);
    const expected = (await sha256(concat(encoder.encode(name + "\n"), raw))).slice(0, KEY_ID_SIZE);
    if (!equal(expected, keyId)) throw new VerifyError("the log key's id does not match its key");
    const key = await crypto.subtle.importKey("raw", publicKey, { name: "Ed25519" }, false, ["verify"]);
    return { name, keyId, key };
  }

  /* A checkpoint (C2SP tlog-checkpoint) signed by the log: its origin, size and root, once the
     log's signature over the note's text verifies. Other signatures (witnesses) are skipped. */
  async function openCheckpoint(note, verifier) {
    const cut = note.lastIndexOf("\n\n");
    if (cut < 0 || !note.endsWith("\n")) throw new VerifyError("the checkpoint is not a signed note");
    const text = note.slice(0, cut + 1);
    let signed = false;
    for (const line of note.slice(cut + 2, -1).split("\n")) {
      if (!line.startsWith(DASH)) throw new VerifyError("a malformed signature line");
      const rest = line.slice(DASH.length);
      const space = rest.indexOf(" ");
      const raw = decodeBase64(rest.slice(space + 1));
      if (rest.slice(0, space) !== verifier.name || !equal(raw.slice(0, KEY_ID_SIZE), verifier.keyId)) {
        continue;
      }
      const valid = await crypto.subtle.verify(
        { name: "Ed25519" }, verifier.key, raw.slice(KEY_ID_SIZE), encoder.encode(text));
      if (!valid) throw new VerifyError("the checkpoint's signature does not verify");
      signed = true;
    }
    if (!signed) throw new VerifyError("the checkpoint carries no signature by the log's key");
    const [origin, size, root] = text.slice(0, -1).split("\n");
    if (origin !== verifier.name) throw new VerifyError("the checkpoint is of another log");
    if (!/^(0|[1-9][0-9]*)$/.test(size || "")) throw new VerifyError("the checkpoint's size is malformed");
    const rootHash = decodeBase64(root);
    checkHash("the checkpoint's root", rootHash);
    return { origin, size: Number(size), root: rootHash };
  }

  /* An entry and a proof for a given tree size never change, so the browser may keep them;
     the checkpoint is always fetched afresh. */
  async function fetched(url, kind) {
    const response = await fetch(url, { credentials: "omit" });
    if (!response.ok) throw new VerifyError(url + " answered " + response.status);
    return kind === "json" ? response.json() : response.text();
  }

  /* One credit: its leaf is this record's credit and is included under the checkpoint's root. */
  async function verifyCredit(index, record, checkpoint, opening) {
    const entry = await fetched("/api/v1/log/entries/" + index, "json");
    if (entry.index !== index || typeof entry.leaf !== "string") throw new VerifyError("a malformed entry");
    try {
      await checkCreditLeaf(entry.leaf, record, opening);
    } catch (error) {
      throw new VerifyError("leaf " + index + ": " + error.message);
    }
    const proof = await fetched(
      "/api/v1/log/proof/inclusion?index=" + index + "&size=" + checkpoint.size, "json");
    if (proof.index !== index || proof.size !== checkpoint.size || !Array.isArray(proof.proof)) {
      throw new VerifyError("the proof is for another leaf or tree");
    }
    const hash = await leafHash(encoder.encode(entry.leaf));
    await verifyInclusion(hash, index, checkpoint.size, proof.proof.map(decodeBase64), checkpoint.root);
  }

  /* The witnesses (cosignature/v1 keys, C2SP tlog-cosignature) whose cosignatures on the note
     verify, each with its time; a cosignature by a known witness that fails is an error. */
  async function checkCosignatures(note, witnessKeys) {
    const cut = note.lastIndexOf("\n\n");
    const text = note.slice(0, cut + 1);
    const lines = note.slice(cut + 2, -1).split("\n");
    const cosigned = [];
    for (const vkey of witnessKeys) {
      const witness = await parseVerifierKey(vkey, COSIGNATURE_TYPE);
      for (const line of lines) {
        const rest = line.slice(DASH.length);
        const space = rest.indexOf(" ");
        const raw = decodeBase64(rest.slice(space + 1));
        if (rest.slice(0, space) !== witness.name || !equal(raw.slice(0, KEY_ID_SIZE), witness.keyId)) {
          continue;
        }
        if (raw.length !== KEY_ID_SIZE + 8 + 64) throw new VerifyError("a cosignature has the wrong length");
        const time = new DataView(raw.buffer, raw.byteOffset + KEY_ID_SIZE, 8).getBigUint64(0);
        const message = encoder.encode("cosignature/v1\ntime " + time + "\n" + text);
        const valid = await crypto.subtle.verify(
          { name: "Ed25519" }, witness.key, raw.slice(KEY_ID_SIZE + 8), message);
        if (!valid) throw new VerifyError("the cosignature of " + witness.name + " does not verify");
        cosigned.push({ name: witness.name, time: Number(time) });
      }
    }
    return cosigned;
  }

  /* A receipt (C2SP tlog-proof): the leaf on its `extra` line, its index and inclusion proof,
     then the checkpoint. Valid when the log's key signed the checkpoint and the leaf's hash
     leads by the proof to its root: the same steps as a credit on the ledger page. */
  async function verifyReceipt(text, verifier, witnessKeys) {
    const cut = text.indexOf("\n\n");
    if (cut < 0) throw new VerifyError("a receipt is the proof lines, an empty line, then the checkpoint");
    const lines = text.slice(0, cut).split("\n");
    if (lines[0] !== RECEIPT_HEADER) throw new VerifyError("a receipt begins with " + RECEIPT_HEADER);
    if (!(lines[1] || "").startsWith("extra ")) throw new VerifyError("the receipt carries no leaf");
    if (!/^index (0|[1-9][0-9]*)$/.test(lines[2] || "")) throw new VerifyError("the index line is malformed");
    const leafBytes = decodeBase64(lines[1].slice("extra ".length));
    const index = Number(lines[2].slice("index ".length));
    const proof = lines.slice(3).map(decodeBase64);
    const note = text.slice(cut + 2);
    const checkpoint = await openCheckpoint(note, verifier);
    let leaf;
    try {
      leaf = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(leafBytes));
    } catch (error) {
      throw new VerifyError("the leaf is not JSON");
    }
    if (leaf === null || typeof leaf !== "object" || (leaf.v !== 1 && leaf.v !== 2)) {
      throw new VerifyError("the leaf is not a Carbon Ledger leaf");
    }
    await verifyInclusion(await leafHash(leafBytes), index, checkpoint.size, proof, checkpoint.root);
    return { index, leaf, size: checkpoint.size, cosigned: await checkCosignatures(note, witnessKeys) };
  }

  function leafSummary(leaf) {
    if (leaf.kind === "lottery") return "lottery " + leaf.lottery + " (" + leaf.stage + ")";
    return [leaf.kind, leaf.scenario, leaf.quantity + " " + leaf.unit, leaf.day,
      (leaf.reduction_mg / 1000) + " g CO2e", leaf.partner].join(" · ");
  }

  /* The receipt upload (templates/receipt_check.html): read the file, check it, say the result. */
  function wireReceiptCheck() {
    const input = document.getElementById("receipt-file");
    const result = document.getElementById("receipt-result");
    if (!input || !result) return;
    input.addEventListener("change", async () => {
      const file = input.files && input.files[0];
      if (!file) return;
      result.className = "checking";
      try {
        const verifier = await parseVerifierKey(await fetched("/log/key", "text"));
        const witnesses = (input.dataset.witnesses || "").split(" ").filter(Boolean);
        const checked = await verifyReceipt(await file.text(), verifier, witnesses);
        let text = input.dataset.ok.replace("{index}", checked.index)
          .replace("{summary}", leafSummary(checked.leaf)).replace("{size}", checked.size);
        if (checked.cosigned.length) {
          text += " " + input.dataset.cosigned.replace(
            "{names}", checked.cosigned.map((c) => c.name).join(", "));
        }
        result.textContent = text;
        result.className = "verified";
      } catch (error) {
        result.textContent = input.dataset.failed.replace("{reason}", error.message);
        result.className = "not-verified";
      }
    });
  }

  async function latestCheckpoint(verifier) {
    const response = await fetch("/log/checkpoint", { cache: "no-store", credentials: "omit" });
    if (response.status === 404) return { size: 0 };  // nothing signed yet: every credit waits
    if (!response.ok) throw new VerifyError("/log/checkpoint answered " + response.status);
    return openCheckpoint(await response.text(), verifier);
  }

  function mark(badge, state, texts, detail) {
    badge.className = "badge " + state;
    badge.dataset.state = state;
    badge.textContent = texts[state];
    if (detail) badge.title = detail; else badge.removeAttribute("title");
  }

  function summarise(badges, texts) {
    const summary = document.getElementById("verify-summary");
    if (!summary) return;
    const count = (state) => badges.filter((b) => b.dataset.state === state).length;
    summary.textContent = texts.summary
      .replace("{verified}", count("verified"))
      .replace("{waiting}", count("waiting"))
      .replace("{failed}", count("not-verified"));
  }

  async function checkPage() {
    const badges = Array.from(document.querySelectorAll("[data-leaf][data-record]"));
    const textsNode = document.getElementById("verify-texts");
    if (!badges.length || !textsNode) return;
    const texts = JSON.parse(textsNode.textContent);
    const fail = (list, error) => list.forEach((b) => mark(b, "not-verified", texts, error.message));
    let verifier;
    try {
      verifier = await parseVerifierKey(await fetched("/log/key", "text"));
    } catch (error) {
      fail(badges, error);
      summarise(badges, texts);
      return;
    }
    let waiting = badges;
    let delay = FIRST_RETRY_MS;
    while (waiting.length) {
      let checkpoint;
      try {
        checkpoint = await latestCheckpoint(verifier);
      } catch (error) {
        fail(waiting, error);
        break;
      }
      const later = waiting.filter((b) => Number(b.dataset.leaf) >= checkpoint.size);
      later.forEach((b) => mark(b, "waiting", texts));
      await Promise.all(waiting.filter((b) => !later.includes(b)).map(async (badge) => {
        try {
          await verifyCredit(
            Number(badge.dataset.leaf), badge.dataset.record, checkpoint, badge.dataset.opening);
          mark(badge, "verified", texts);
        } catch (error) {
          mark(badge, "not-verified", texts, error.message);
        }
      }));
      summarise(badges, texts);
      waiting = later;
      if (waiting.length) {
        await new Promise((resolve) => setTimeout(resolve, delay));
        delay = Math.min(delay * 1.5, LAST_RETRY_MS);
      }
    }
    summarise(badges, texts);
  }

  window.CarbonLedgerVerify = {
    VerifyError, decodeBase64, leafHash, nodeHash, rootFromInclusion, verifyInclusion,
    parseVerifierKey, openCheckpoint, verifyCredit, checkPage, recordTag, accountOfOpening,
    checkCreditLeaf, verifyReceipt, checkCosignatures,
  };
  const start = () => { wireReceiptCheck(); checkPage(); };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
