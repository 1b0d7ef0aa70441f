package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"policybot/corpus"
	"policybot/policies"
	"policybot/web/adminapi"
)

const docsUsage = `usage: policybot docs [--server URL] [--json] COMMAND [ARGS]

Manage the corpus of a running server through its admin API
(token from POLICYBOT_ADMIN_TOKEN; --server defaults to http://localhost:8080).

  list                                 the documents, their status and versions
  upload [--publish] [META] FILE       upload a .md/.txt/.docx/.pdf/.html file as a draft
                                       (--publish: publish it at once when it validates;
                                       FILE - reads standard input, named by --filename);
                                       META for files without front matter: --id --title
                                       --category --issuer --doc-no --published
                                       --effective-from --effective-to --lead-department
                                       --source-url --sample --supersedes
  publish ID [--version N] [--base-version N]
                                       publish a draft (default: the newest); with
                                       --base-version, only if version N (0: none) is still
                                       the current one, the one you checked against
                                       (upload --publish takes it too)
  retire ID [--from YYYY-MM-DD]        take a document out of answers (default: now)
  rollback ID --version N              publish an earlier version again
  history ID                           the versions with their article-level diffs
  audit [--doc ID] [--limit N]         who changed what, newest first
`

// Timeouts of the admin API calls: converting a large PDF takes a while.
const (
	docsTimeout       = 30 * time.Second
	docsUploadTimeout = 5 * time.Minute
)

// docsClient calls the admin API of a server.
type docsClient struct {
	server string
	token  string
	http   *http.Client
	json   bool
	stdout io.Writer
}

// docsAPIError is an error answer of the admin API.
type docsAPIError struct {
	Status  int
	Code    string // the server's error code, e.g. admin_off
	Message string
}

func (e *docsAPIError) Error() string {
	if e.Code == adminapi.CodeAdminOff {
		return e.Message // it says what to set on the server
	}
	return fmt.Sprintf("server answered %d: %s", e.Status, e.Message)
}

// runDocs is `policybot docs`: list, upload, publish, retire, rollback and
// history through the admin API of the server at --server, with the token
// POLICYBOT_ADMIN_TOKEN (admin.Token).
func runDocs(ctx context.Context, admin AdminConfig, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fl := flag.NewFlagSet("docs", flag.ContinueOnError)
	fl.SetOutput(stderr)
	fl.Usage = func() { fmt.Fprint(stderr, docsUsage) }
	server := fl.String("server", "http://localhost:8080", "base URL of the server")
	asJSON := fl.Bool("json", false, "print the server's JSON answers")
	if err := fl.Parse(args); err != nil {
		return err
	}
	if fl.NArg() == 0 {
		fl.Usage()
		return errors.New("docs: no command given")
	}
	u, err := url.Parse(*server)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("docs: --server %q: want a URL such as http://localhost:8080", *server)
	}
	if admin.Token == "" {
		return errors.New("docs: set POLICYBOT_ADMIN_TOKEN to your admin token")
	}
	c := &docsClient{server: strings.TrimRight(*server, "/"), token: admin.Token, http: &http.Client{}, json: *asJSON, stdout: stdout}
	cmd, rest := fl.Arg(0), fl.Args()[1:]
	switch cmd {
	case "list":
		return c.list(ctx, rest, stderr)
	case "upload":
		return c.upload(ctx, rest, stdin, stderr)
	case "publish":
		return c.publish(ctx, rest, stderr)
	case "retire":
		return c.retire(ctx, rest, stderr)
	case "rollback":
		return c.rollback(ctx, rest, stderr)
	case "history":
		return c.history(ctx, rest, stderr)
	case "audit":
		return c.audit(ctx, rest, stderr)
	case "help":
		fmt.Fprint(stdout, docsUsage)
		return nil
	default:
		fl.Usage()
		return fmt.Errorf("docs: unknown command %q", cmd)
	}
}

// parseInterleaved parses fl from args with the flags before, between or
// after the positional arguments, and returns the positional ones.
func parseInterleaved(fl *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fl.Parse(args); err != nil {
			return nil, err
		}
		if fl.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fl.Arg(0))
		args = fl.Args()[1:]
	}
}

func subFlags(name string, stderr io.Writer) *flag.FlagSet {
	fl := flag.NewFlagSet("docs "+name, flag.ContinueOnError)
	fl.SetOutput(stderr)
	fl.Usage = func() { fmt.Fprint(stderr, docsUsage) }
	return fl
}

// do sends a request to the admin API and decodes the JSON answer into
// out (when not nil). An error answer is a *docsAPIError with the
// server's message.
func (c *docsClient) do(ctx context.Context, method, path string, body io.Reader, contentType string, timeout time.Duration, out any) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, c.server+path, body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Accept", "application/json")
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	res, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(io.LimitReader(res.Body, 64<<20))
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	if res.StatusCode < 300 || res.StatusCode == http.StatusUnprocessableEntity {
		// A refused upload (422) comes with the whole draft.
		if out != nil && json.Unmarshal(data, out) != nil && res.StatusCode < 300 {
			return data, fmt.Errorf("%s %s: unreadable answer: %s", method, path, data)
		}
		if res.StatusCode < 300 {
			return data, nil
		}
	}
	var e adminapi.Error
	msg := strings.TrimSpace(string(data))
	if json.Unmarshal(data, &e) == nil && e.Error != "" {
		msg = e.Error
		if e.ErrorZh != "" && e.ErrorZh != e.Error {
			msg += " (" + e.ErrorZh + ")"
		}
	}
	if res.StatusCode == http.StatusNotFound && strings.HasPrefix(msg, "<") {
		msg = "no admin API at " + c.server + ": is it a PolicyBot server, with POLICYBOT_ADMIN_TOKENS or POLICYBOT_ADMIN_TOKEN set? (该地址没有管理接口)"
	}
	return data, &docsAPIError{Status: res.StatusCode, Code: e.Code, Message: msg}
}

// printJSON prints the raw answer for --json.
func (c *docsClient) printJSON(data []byte) {
	var buf bytes.Buffer
	if json.Indent(&buf, data, "", "  ") != nil {
		buf.Reset()
		buf.Write(data)
	}
	fmt.Fprintln(c.stdout, strings.TrimSpace(buf.String()))
}

func (c *docsClient) list(ctx context.Context, args []string, stderr io.Writer) error {
	if _, err := parseInterleaved(subFlags("list", stderr), args); err != nil {
		return err
	}
	var out adminapi.Documents
	data, err := c.do(ctx, http.MethodGet, "/admin/api/documents", nil, "", docsTimeout, &out)
	if err != nil {
		return err
	}
	if c.json {
		c.printJSON(data)
		return nil
	}
	rows := [][]string{{"ID", "STATUS", "LIVE", "CURRENT", "LATEST", "DRAFT", "ARTICLES", "UPDATED", "BY", "TITLE"}}
	for _, d := range out.Documents {
		status := d.Status
		if d.RetiredFrom != "" {
			status += " (retire " + d.RetiredFrom[:min(len(d.RetiredFrom), 10)] + ")"
		}
		rows = append(rows, []string{d.ID, status, yesNo(d.Live), vnum(d.Current), vnum(d.Latest), vnum(d.Draft),
			strconv.Itoa(d.Articles), shortTime(d.UpdatedAt), d.UpdatedBy, d.Title})
	}
	printTable(c.stdout, rows)
	return nil
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func vnum(n int) string {
	if n == 0 {
		return "-"
	}
	return "v" + strconv.Itoa(n)
}

// shortTime is an API time as "2026-05-01 18:00".
func shortTime(s string) string {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return s
	}
	return t.Format("2006-01-02 15:04")
}

func (c *docsClient) upload(ctx context.Context, args []string, stdin io.Reader, stderr io.Writer) error {
	fl := subFlags("upload", stderr)
	publish := fl.Bool("publish", false, "publish at once when the document validates")
	sample := fl.Bool("sample", false, "the document is a sample text")
	filename := fl.String("filename", "upload.md", "the file name (its extension gives the type) when FILE is -")
	base := fl.Int("base-version", -1, "with --publish: publish only if this is still the current version (0: none)")
	fields := map[string]*string{}
	for _, f := range []struct{ flag, field string }{
		{"id", "id"}, {"title", "title"}, {"category", "category"}, {"issuer", "issuer"}, {"doc-no", "doc_no"},
		{"published", "published"}, {"effective-from", "effective_from"}, {"effective-to", "effective_to"},
		{"lead-department", "lead_department"}, {"source-url", "source_url"}, {"supersedes", "supersedes"},
	} {
		fields[f.field] = fl.String(f.flag, "", "front matter field "+f.field+" for a file without one")
	}
	pos, err := parseInterleaved(fl, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fl.Usage()
		return errors.New("docs upload: give one file")
	}
	name := filepath.Base(pos[0])
	var data []byte
	if pos[0] == "-" {
		name = *filename
		data, err = io.ReadAll(stdin)
	} else {
		data, err = os.ReadFile(pos[0])
	}
	if err != nil {
		return fmt.Errorf("docs upload: %w", err)
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for name, v := range fields {
		if *v != "" {
			mw.WriteField(name, *v)
		}
	}
	if *sample {
		mw.WriteField("sample", "true")
	}
	if *base >= 0 {
		mw.WriteField("base_version", strconv.Itoa(*base))
	}
	fw, err := mw.CreateFormFile("file", name)
	if err != nil {
		return err
	}
	fw.Write(data)
	if err := mw.Close(); err != nil {
		return err
	}
	path := "/admin/api/documents"
	if *publish {
		path += "?publish=1"
	}
	var out adminapi.Upload
	raw, err := c.do(ctx, http.MethodPost, path, &body, mw.FormDataContentType(), docsUploadTimeout, &out)
	var ae *docsAPIError
	if err != nil && !(errors.As(err, &ae) && ae.Status == http.StatusUnprocessableEntity) {
		return err
	}
	if c.json {
		c.printJSON(raw)
		return err
	}
	w := c.stdout
	switch {
	case out.Version > 0:
		fmt.Fprintf(w, "%s v%d: %s (%s, %d articles) — %s\n", out.ID, out.Version, out.Status, out.Type, len(out.Articles), out.Title)
	default:
		fmt.Fprintf(w, "%s: not stored\n", pos[0])
	}
	noFront := slices.ContainsFunc(out.Errors, func(f adminapi.Finding) bool { return f.Code == corpus.CodeNoFrontMatter })
	for _, f := range append(out.Errors, out.Findings...) {
		fmt.Fprintf(w, "  %s", f.Severity)
		if f.Line > 0 {
			fmt.Fprintf(w, " line %d", f.Line)
		}
		msg := f.Message
		if noFront {
			// The server speaks of the front matter and the upload form;
			// here the metadata is given with flags.
			msg = flagHint(f)
		}
		fmt.Fprintf(w, ": %s", msg)
		if f.Match != "" {
			fmt.Fprintf(w, ": %q", f.Match)
		}
		fmt.Fprintln(w)
	}
	for _, s := range out.Warnings {
		fmt.Fprintf(w, "  note: %s\n", s)
	}
	if out.Diff != nil {
		printDiff(w, out.Diff)
	}
	switch {
	case err != nil:
		msg := out.Error
		if out.ErrorZh != "" && out.ErrorZh != msg {
			msg += " (" + out.ErrorZh + ")"
		}
		return fmt.Errorf("docs upload: %s", msg)
	case out.Published:
		fmt.Fprintln(w, "published: the bot uses it for new questions now")
	default:
		fmt.Fprintf(w, "draft: check it, then run: policybot docs publish %s --version %d\n", out.ID, out.Version)
	}
	return nil
}

// metaFlags are the upload flags by front matter field.
var metaFlags = map[string]string{
	"id": "--id", "title": "--title", "category": "--category", "issuer": "--issuer", "doc_no": "--doc-no",
	"published": "--published", "effective_from": "--effective-from", "effective_to": "--effective-to",
	"lead_department": "--lead-department", "source_url": "--source-url", "sample": "--sample", "supersedes": "--supersedes",
}

// flagHint is the server's finding f on the metadata of a file without
// front matter, said in terms of the upload's flags (by its code, never
// its words); other findings are said as the server says them.
func flagHint(f adminapi.Finding) string {
	if f.Code == corpus.CodeNoFrontMatter {
		return "the file has no front matter: give the document's metadata with --id ID --title TITLE --category " +
			strings.Join(categoryNames(), "|") + " (文件没有元数据，请用 --id、--title、--category 给出)"
	}
	if fl, ok := metaFlags[f.Missing]; ok {
		return fmt.Sprintf("missing required field %q: give it with %s (缺少必填字段 %s，请用 %s 给出)", f.Missing, fl, f.Missing, fl)
	}
	return f.Message
}

func categoryNames() []string {
	var out []string
	for _, c := range policies.Categories {
		out = append(out, string(c))
	}
	return out
}

func printDiff(w io.Writer, d *adminapi.Diff) {
	if d.From > 0 {
		fmt.Fprintf(w, "  changes from v%d:", d.From)
	} else {
		fmt.Fprint(w, "  first version:")
	}
	fmt.Fprintf(w, " %d added, %d removed, %d changed articles\n", len(d.Added), len(d.Removed), len(d.Changed))
	for _, f := range d.Fields {
		if d.From > 0 {
			fmt.Fprintf(w, "    %s: %q → %q\n", f.Field, f.Old, f.New)
		}
	}
	for _, a := range d.Added {
		if d.From > 0 {
			fmt.Fprintf(w, "    + %s %s\n", a.Label, a.Text)
		}
	}
	for _, a := range d.Removed {
		fmt.Fprintf(w, "    - %s %s\n", a.Label, a.Text)
	}
	for _, a := range d.Changed {
		old := ""
		if a.Old != nil {
			old = a.Old.Text
		}
		fmt.Fprintf(w, "    ~ %s\n      was: %s\n      now: %s\n", a.Label, old, a.Text)
	}
}

// idAndVersion parses "ID [--version N]" (and --from for retire,
// --base-version for publish, when given).
func idAndVersion(name string, args []string, stderr io.Writer, needVersion bool, from *string, base ...*int) (string, int, error) {
	fl := subFlags(name, stderr)
	version := fl.Int("version", 0, "version number")
	if from != nil {
		fl.StringVar(from, "from", "", "date from which the document is retired, YYYY-MM-DD")
	}
	if len(base) > 0 {
		fl.IntVar(base[0], "base-version", -1, "publish only if this is still the current version (0: none)")
	}
	pos, err := parseInterleaved(fl, args)
	if err != nil {
		return "", 0, err
	}
	if len(pos) != 1 {
		fl.Usage()
		return "", 0, fmt.Errorf("docs %s: give one document id", name)
	}
	if *version < 0 || (needVersion && *version == 0) {
		return "", 0, fmt.Errorf("docs %s: give --version N", name)
	}
	return pos[0], *version, nil
}

func (c *docsClient) action(ctx context.Context, path string, out *adminapi.DocVersion) error {
	raw, err := c.do(ctx, http.MethodPost, path, nil, "", docsUploadTimeout, out)
	if err != nil {
		return err
	}
	if c.json {
		c.printJSON(raw)
	}
	return nil
}

func (c *docsClient) publish(ctx context.Context, args []string, stderr io.Writer) error {
	base := -1
	id, n, err := idAndVersion("publish", args, stderr, false, nil, &base)
	if err != nil {
		return err
	}
	q := url.Values{}
	if n > 0 {
		q.Set("version", strconv.Itoa(n))
	}
	if base >= 0 {
		q.Set("base_version", strconv.Itoa(base))
	}
	path := "/admin/api/documents/" + url.PathEscape(id) + "/publish"
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	var v adminapi.DocVersion
	if err := c.action(ctx, path, &v); err != nil || c.json {
		return err
	}
	fmt.Fprintf(c.stdout, "%s v%d published: the bot uses it for new questions now — %s\n", v.ID, v.Version, v.Title)
	return nil
}

func (c *docsClient) rollback(ctx context.Context, args []string, stderr io.Writer) error {
	id, n, err := idAndVersion("rollback", args, stderr, true, nil)
	if err != nil {
		return err
	}
	var v adminapi.DocVersion
	if err := c.action(ctx, "/admin/api/documents/"+url.PathEscape(id)+"/rollback?version="+strconv.Itoa(n), &v); err != nil || c.json {
		return err
	}
	fmt.Fprintf(c.stdout, "%s v%d published: a copy of v%d\n", v.ID, v.Version, v.BasedOn)
	return nil
}

func (c *docsClient) retire(ctx context.Context, args []string, stderr io.Writer) error {
	var from string
	id, _, err := idAndVersion("retire", args, stderr, false, &from)
	if err != nil {
		return err
	}
	path := "/admin/api/documents/" + url.PathEscape(id) + "/retire"
	if from != "" {
		path += "?from=" + url.QueryEscape(from)
	}
	var v adminapi.DocVersion
	if err := c.action(ctx, path, &v); err != nil || c.json {
		return err
	}
	if v.Live {
		fmt.Fprintf(c.stdout, "%s v%d will be retired from %s; until then the bot still uses it\n", v.ID, v.Version, shortTime(v.RetiredFrom))
	} else {
		fmt.Fprintf(c.stdout, "%s v%d retired: the bot no longer uses it\n", v.ID, v.Version)
	}
	return nil
}

func (c *docsClient) history(ctx context.Context, args []string, stderr io.Writer) error {
	id, _, err := idAndVersion("history", args, stderr, false, nil)
	if err != nil {
		return err
	}
	var out adminapi.History
	raw, err := c.do(ctx, http.MethodGet, "/admin/api/documents/"+url.PathEscape(id)+"/versions", nil, "", docsTimeout, &out)
	if err != nil {
		return err
	}
	if c.json {
		c.printJSON(raw)
		return nil
	}
	for _, v := range out.Versions {
		line := fmt.Sprintf("v%d  %s  %s  by %s", v.Version, v.Status, shortTime(v.CreatedAt), v.CreatedBy)
		if v.BasedOn > 0 {
			line += fmt.Sprintf("  (copy of v%d)", v.BasedOn)
		}
		if v.RetiredFrom != "" {
			line += "  retired from " + shortTime(v.RetiredFrom)
		}
		fmt.Fprintln(c.stdout, line)
		if v.Diff != nil {
			printDiff(c.stdout, v.Diff)
		}
	}
	return nil
}

func (c *docsClient) audit(ctx context.Context, args []string, stderr io.Writer) error {
	fl := subFlags("audit", stderr)
	doc := fl.String("doc", "", "only this document")
	limit := fl.Int("limit", 50, "at most this many entries")
	if _, err := parseInterleaved(fl, args); err != nil {
		return err
	}
	q := url.Values{"limit": {strconv.Itoa(*limit)}}
	if *doc != "" {
		q.Set("doc", *doc)
	}
	var out adminapi.Audit
	raw, err := c.do(ctx, http.MethodGet, "/admin/api/audit?"+q.Encode(), nil, "", docsTimeout, &out)
	if err != nil {
		return err
	}
	if c.json {
		c.printJSON(raw)
		return nil
	}
	rows := [][]string{{"WHEN", "WHO", "ACTION", "DOCUMENT", "FROM", "TO", "DETAIL"}}
	for _, e := range out.Entries {
		rows = append(rows, []string{shortTime(e.At), e.Who, e.Action, e.Doc, vnum(e.FromVersion), vnum(e.ToVersion), e.Detail})
	}
	printTable(c.stdout, rows)
	return nil
}
