// Command checklog checks a Carbon Ledger log with an independent implementation of the specs:
// golang.org/x/mod/sumdb/note (signed notes) and golang.org/x/mod/sumdb/tlog (RFC 6962 hashing,
// tiles and proofs), as Debian packages them. Cosignatures (C2SP tlog-cosignature) and receipts
// (C2SP tlog-proof) are read here straight from the specification's text.
//
//	checklog log URL [WITNESS-VKEY]      verify a served log: key, checkpoint, every tile and leaf,
//	                                     proofs served against proofs computed here
//	checklog receipt FILE VKEY [WITNESS-VKEY]
//	checklog sign NAME TEXT-FILE         a new key, then TEXT signed by it: vkey line, then the note
//
// Every failure prints "FAIL: <what>" and exits 1.
package main

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

const tileHeight = 8

func fail(format string, args ...interface{}) {
	fmt.Printf("FAIL: "+format+"\n", args...)
	os.Exit(1)
}

func get(url string) []byte {
	response, err := http.Get(url)
	if err != nil {
		fail("GET %s: %v", url, err)
	}
	defer response.Body.Close()
	body, err := io.ReadAll(response.Body)
	if err != nil || response.StatusCode != 200 {
		fail("GET %s: status %d %v", url, response.StatusCode, err)
	}
	return body
}

type checkpoint struct {
	origin string
	size   int64
	root   tlog.Hash
}

// parseCheckpoint reads a C2SP tlog-checkpoint body: origin, size, base64 root, extensions.
func parseCheckpoint(text string) checkpoint {
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	if len(lines) < 3 || lines[0] == "" {
		fail("the checkpoint has no origin, size and root")
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || size < 0 || (lines[1] != "0" && lines[1][0] == '0') {
		fail("the checkpoint's size %q is not a decimal", lines[1])
	}
	raw, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(raw) != tlog.HashSize {
		fail("the checkpoint's root is not a base64 SHA-256 hash")
	}
	var root tlog.Hash
	copy(root[:], raw)
	return checkpoint{lines[0], size, root}
}

// openCheckpoint verifies the log's signature with x/mod's note package.
func openCheckpoint(signed []byte, vkey string) (checkpoint, *note.Note) {
	verifier, err := note.NewVerifier(strings.TrimSpace(vkey))
	if err != nil {
		fail("the log key: %v", err)
	}
	opened, err := note.Open(signed, note.VerifierList(verifier))
	if err != nil {
		fail("the checkpoint's signature: %v", err)
	}
	cp := parseCheckpoint(opened.Text)
	if cp.origin != verifier.Name() {
		fail("the checkpoint's origin %q is not the key's name %q", cp.origin, verifier.Name())
	}
	return cp, opened
}

// checkCosignature verifies a cosignature/v1 (type 0x04) line as C2SP tlog-cosignature says.
func checkCosignature(signed []byte, vkey string) uint64 {
	parts := strings.SplitN(strings.TrimSpace(vkey), "+", 3)
	if len(parts) != 3 {
		fail("the witness key is not name+id+key")
	}
	name := parts[0]
	raw, err := base64.StdEncoding.DecodeString(parts[2])
	if err != nil || len(raw) != 33 || raw[0] != 0x04 {
		fail("the witness key is not a cosignature/v1 Ed25519 key")
	}
	idHash := sha256.Sum256(append([]byte(name+"\n"), raw...))
	text := string(signed)
	cut := strings.LastIndex(text, "\n\n")
	body := text[:cut+1]
	for _, line := range strings.Split(strings.TrimSuffix(text[cut+2:], "\n"), "\n") {
		fields := strings.SplitN(strings.TrimPrefix(line, "\u2014 "), " ", 2)
		if len(fields) != 2 || fields[0] != name {
			continue
		}
		sig, err := base64.StdEncoding.DecodeString(fields[1])
		if err != nil || len(sig) != 4+8+64 || !bytes.Equal(sig[:4], idHash[:4]) {
			continue
		}
		timestamp := binary.BigEndian.Uint64(sig[4:12])
		message := fmt.Sprintf("cosignature/v1\ntime %d\n%s", timestamp, body)
		if !ed25519.Verify(ed25519.PublicKey(raw[1:]), []byte(message), sig[12:]) {
			fail("the cosignature of %s does not verify", name)
		}
		return timestamp
	}
	fail("no cosignature of %s", name)
	return 0
}

// tiles reads C2SP tlog-tiles hash tiles: x/mod names them tile/H/L/N, C2SP tile/L/N.
type tiles struct{ base string }

func (t tiles) Height() int { return tileHeight }

func (t tiles) ReadTiles(list []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(list))
	for i, tile := range list {
		path := strings.Replace(tile.Path(), fmt.Sprintf("tile/%d/", tileHeight), "tile/", 1)
		out[i] = get(t.base + "/log/" + path)
	}
	return out, nil
}

func (t tiles) SaveTiles([]tlog.Tile, [][]byte) {}

func decodeHashes(items []string) []tlog.Hash {
	hashes := make([]tlog.Hash, len(items))
	for i, item := range items {
		raw, err := base64.StdEncoding.DecodeString(item)
		if err != nil || len(raw) != tlog.HashSize {
			fail("proof hash %d is not a base64 SHA-256 hash", i)
		}
		copy(hashes[i][:], raw)
	}
	return hashes
}

func sameProof(what string, ours []tlog.Hash, theirs []tlog.Hash) {
	if len(ours) != len(theirs) {
		fail("%s: %d hashes served, %d computed", what, len(theirs), len(ours))
	}
	for i := range ours {
		if ours[i] != theirs[i] {
			fail("%s: hash %d differs", what, i)
		}
	}
}

func checkLog(base string, witness string) {
	vkey := string(get(base + "/log/key"))
	signed := get(base + "/log/checkpoint")
	cp, _ := openCheckpoint(signed, vkey)
	fmt.Printf("ok checkpoint %s size %d signed\n", cp.origin, cp.size)
	if witness != "" {
		fmt.Printf("ok cosigned at %d\n", checkCosignature(signed, witness))
	}
	reader := tlog.TileHashReader(tlog.Tree{N: cp.size, Hash: cp.root}, tiles{base})
	root, err := tlog.TreeHash(cp.size, reader)
	if err != nil || root != cp.root {
		fail("the tiles do not produce the signed root: %v", err)
	}
	fmt.Println("ok tiles produce the signed root")
	// Every leaf, from the entry bundles, hashes to what the tiles hold.
	for start := int64(0); start < cp.size; start += 256 {
		width := cp.size - start
		path := fmt.Sprintf("%03d", start/256)
		for n := start / 256 / 1000; n > 0; n /= 1000 {
			path = fmt.Sprintf("x%03d/%s", n%1000, path)
		}
		if width < 256 {
			path += fmt.Sprintf(".p/%d", width)
		} else {
			width = 256
		}
		bundle := get(base + "/log/tile/entries/" + path)
		indexes := make([]int64, width)
		for i := range indexes {
			indexes[i] = tlog.StoredHashIndex(0, start+int64(i))
		}
		stored, err := reader.ReadHashes(indexes)
		if err != nil {
			fail("reading leaf hashes from %d: %v", start, err)
		}
		for i := int64(0); i < width; i++ {
			if len(bundle) < 2 {
				fail("entry bundle at %d ends early", start)
			}
			length := int(binary.BigEndian.Uint16(bundle))
			if len(bundle) < 2+length {
				fail("entry %d is cut short", start+i)
			}
			leaf := bundle[2 : 2+length]
			bundle = bundle[2+length:]
			if tlog.RecordHash(leaf) != stored[i] {
				fail("leaf %d does not hash to its tile's hash", start+i)
			}
			var decoded map[string]interface{}
			if json.Unmarshal(leaf, &decoded) != nil {
				fail("leaf %d is not JSON", start+i)
			}
		}
		if len(bundle) != 0 {
			fail("entry bundle at %d has bytes after its %d entries", start, width)
		}
	}
	fmt.Printf("ok %d leaves hash to the tiles\n", cp.size)
	// Proofs the log serves equal the proofs computed here from the verified tiles.
	for _, index := range []int64{0, cp.size / 2, cp.size - 1} {
		mine, err := tlog.ProveRecord(cp.size, index, reader)
		if err != nil {
			fail("proving leaf %d: %v", index, err)
		}
		var served struct{ Proof []string }
		json.Unmarshal(get(fmt.Sprintf("%s/api/v1/log/proof/inclusion?index=%d&size=%d", base, index, cp.size)), &served)
		theirs := decodeHashes(served.Proof)
		sameProof(fmt.Sprintf("inclusion proof of leaf %d", index), mine, theirs)
		leafHash, _ := reader.ReadHashes([]int64{tlog.StoredHashIndex(0, index)})
		if err := tlog.CheckRecord(theirs, cp.size, cp.root, index, leafHash[0]); err != nil {
			fail("inclusion proof of leaf %d: %v", index, err)
		}
	}
	fmt.Println("ok inclusion proofs")
	for _, first := range []int64{1, cp.size / 2, cp.size - 1} {
		if first < 1 || first >= cp.size {
			continue
		}
		mine, err := tlog.ProveTree(cp.size, first, reader)
		if err != nil {
			fail("proving %d -> %d: %v", first, cp.size, err)
		}
		var served struct{ Proof []string }
		json.Unmarshal(get(fmt.Sprintf("%s/api/v1/log/proof/consistency?first=%d&size=%d", base, first, cp.size)), &served)
		theirs := decodeHashes(served.Proof)
		sameProof(fmt.Sprintf("consistency proof %d -> %d", first, cp.size), mine, theirs)
		older, err := tlog.TreeHash(first, reader)
		if err != nil {
			fail("tree hash at %d: %v", first, err)
		}
		if err := tlog.CheckTree(theirs, cp.size, cp.root, first, older); err != nil {
			fail("consistency proof %d -> %d: %v", first, cp.size, err)
		}
	}
	fmt.Println("ok consistency proofs")
}

// checkReceipt reads a C2SP tlog-proof and checks it with x/mod's note and tlog packages.
func checkReceipt(path, vkey, witness string) {
	data, err := os.ReadFile(path)
	if err != nil {
		fail("reading %s: %v", path, err)
	}
	text := string(data)
	cut := strings.Index(text, "\n\n")
	if cut < 0 {
		fail("the receipt has no empty line before its checkpoint")
	}
	lines := strings.Split(text[:cut], "\n")
	if lines[0] != "c2sp.org/tlog-proof@v1" || len(lines) < 3 {
		fail("the receipt does not begin with c2sp.org/tlog-proof@v1")
	}
	if !strings.HasPrefix(lines[1], "extra ") {
		fail("the receipt carries no extra line")
	}
	leaf, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(lines[1], "extra "))
	if err != nil {
		fail("the extra line is not base64")
	}
	index, err := strconv.ParseInt(strings.TrimPrefix(lines[2], "index "), 10, 64)
	if err != nil || !strings.HasPrefix(lines[2], "index ") {
		fail("the index line is malformed")
	}
	signed := []byte(text[cut+2:])
	cp, _ := openCheckpoint(signed, vkey)
	if err := tlog.CheckRecord(decodeHashes(lines[3:]), cp.size, cp.root, index, tlog.RecordHash(leaf)); err != nil {
		fail("the inclusion proof: %v", err)
	}
	fmt.Printf("ok receipt of leaf %d in %s of size %d\n", index, cp.origin, cp.size)
	if witness != "" {
		fmt.Printf("ok cosigned at %d\n", checkCosignature(signed, witness))
	}
}

func sign(name, path string) {
	skey, vkey, err := note.GenerateKey(rand.Reader, name)
	if err != nil {
		fail("generating a key: %v", err)
	}
	signer, err := note.NewSigner(skey)
	if err != nil {
		fail("the new key: %v", err)
	}
	text, err := os.ReadFile(path)
	if err != nil {
		fail("reading %s: %v", path, err)
	}
	signed, err := note.Sign(&note.Note{Text: string(text)}, signer)
	if err != nil {
		fail("signing: %v", err)
	}
	fmt.Printf("%s\n%s", vkey, signed)
}

func main() {
	args := os.Args[1:]
	arg := func(i int) string {
		if i < len(args) {
			return args[i]
		}
		return ""
	}
	switch arg(0) {
	case "log":
		checkLog(strings.TrimSuffix(arg(1), "/"), arg(2))
	case "receipt":
		checkReceipt(arg(1), arg(2), arg(3))
	case "sign":
		sign(arg(1), arg(2))
	default:
		fail("usage: checklog log URL [WITNESS-VKEY] | receipt FILE VKEY [WITNESS-VKEY] | sign NAME FILE")
	}
}
