package corpus

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"

	"policybot/corpus/record"
	"policybot/policies"
	"policybot/policies/fault"
	"policybot/policies/lang"
)

// Uploads: converting a file into a draft version, with the form's
// metadata and scope written into its front matter.

// Meta is the metadata of an upload, from the form: it becomes the front
// matter of a file that has none (a file's own front matter wins).
type Meta struct {
	policies.Meta
	// Supersedes is the id of the document this one replaces: publishing
	// it retires that document.
	Supersedes string
	// Base, when set, is the document's current version the official saw
	// before uploading (0: there was none): an upload that publishes
	// fails with a *StaleError when that is no longer so.
	Base *int
	// Scope is where and when the document applies (the front matter's
	// region, level, year and status; policies/FORMAT.md). Unlike the
	// other fields, a scope field the form gives is added to a file's own
	// front matter too, when the file does not give it: that is how an
	// official corrects a region or year the parser inferred.
	Scope Scope
}

// Scope are the scope fields of an upload form, as typed.
type Scope struct {
	Region, Level, Year, Status string
}

// scopeFields checks the form's scope fields and returns them as front
// matter (key, value) pairs, with findings for those that are invalid.
func (sc Scope) fields(path string) ([][2]string, []policies.Finding) {
	var out [][2]string
	var fs []policies.Finding
	bad := func(en, zh string) {
		fs = append(fs, policies.Finding{Path: path, Severity: policies.Error, Code: policies.CodeField, Msg: lang.T(en, zh)})
	}
	if r := strings.TrimSpace(sc.Region); r != "" {
		if utf8.RuneCountInString(r) > 32 || strings.ContainsAny(r, " \t:#'\"{}[],&*!|>%@`") {
			bad(fmt.Sprintf("region %q is not a region name: write it as 吴中区, 苏州市 or 江苏省", r), fmt.Sprintf("地区名称无效：“%s”，请写作吴中区、苏州市或江苏省", r))
		} else {
			out = append(out, [2]string{"region", r})
		}
	}
	if l := strings.TrimSpace(sc.Level); l != "" {
		if lv, ok := policies.ParseLevel(l); ok {
			out = append(out, [2]string{"level", string(lv)})
		} else {
			bad("unknown level %q: use district (区/县级市), city (市), province (省) or national (国家) (层级无效)", l)
		}
	}
	if y := strings.TrimSpace(sc.Year); y != "" {
		if n, err := strconv.Atoi(y); err == nil && n >= 1949 && n <= 2100 {
			out = append(out, [2]string{"year", y})
		} else {
			bad("bad year %q: write the year of the measure with four digits, e.g. 2025 (年份应为四位数字，如 2025)", y)
		}
	}
	if st := strings.TrimSpace(sc.Status); st != "" {
		if v, ok := policies.ParseStatus(st); ok {
			out = append(out, [2]string{"status", string(v)})
		} else {
			bad("unknown status %q: use in-force (现行有效), expired (已失效) or repealed (已废止) (状态无效)", st)
		}
	}
	return out, fs
}

// UploadResult is what an upload made.
type UploadResult struct {
	// Version is the stored draft (or published version); its N is 0 when
	// nothing could be stored (the file could not be converted, or has no
	// valid id). Its Findings say what is wrong.
	record.Version
	// Published reports that the upload went live at once.
	Published bool
	// Diff is the change from the document's current version; nil for a
	// new document or an upload that was not stored.
	Diff *Diff
}

var idRE = regexp.MustCompile(`^[a-z0-9]+(?:-[a-z0-9]+)*$`)

// ValidID reports whether id is a well-formed document id.
func ValidID(id string) bool { return idRE.MatchString(id) }

// Upload converts the file name with content data into a new version of
// the document its front matter (or meta) names, and stores it as a draft.
// With publish, a version that validates is published at once. A file that
// cannot be converted, or does not validate, is reported in the result's
// Findings (the version is stored as a draft when it has a valid id, and is
// never published): that is not an error. Errors are the store's or the
// index build's, or ctx's.
func (s *Service) Upload(ctx context.Context, who, name string, data []byte, meta Meta, publish bool) (UploadResult, error) {
	sum := sha256.Sum256(data)
	src := record.Source{Name: path.Base(strings.ReplaceAll(name, `\`, "/")), Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:])}
	if src.Name == "." || src.Name == "/" {
		src.Name = ""
	}
	refused := func(msg lang.Text) UploadResult {
		return UploadResult{Version: record.Version{Status: record.Draft, Source: src, CreatedBy: who, CreatedAt: s.now(),
			Findings: []policies.Finding{{Path: src.Name, Severity: policies.Error, Code: CodeFile, Msg: msg}}}}
	}
	res, err := s.convert(ctx, name, data, meta.Meta)
	if err != nil {
		if fe := fault.As(err); fe != nil {
			s.log.Info("corpus: upload refused", "who", who, "file", src.Name, "err", err)
			return refused(fe.Msg), nil
		}
		return UploadResult{}, err
	}
	src.Type = res.Type
	md := res.Markdown
	warnings := append([]lang.Text(nil), res.Warnings...)
	var extra []policies.Finding
	ownFront := res.OwnFrontMatter
	if !ownFront && strings.TrimSpace(meta.ID) == "" {
		extra = append(extra, policies.Finding{Path: src.Name, Severity: policies.Error, Code: CodeNoFrontMatter,
			Msg: lang.T("the file has no front matter: give the document's id, title and category in the upload form", "文件没有元数据，请在表单中填写文档 id、标题和类别")})
	}
	if sup := strings.TrimSpace(meta.Supersedes); sup != "" {
		switch {
		case ownFront:
			// The file's front matter wins; ingest warned that the form is ignored.
		case !ValidID(sup):
			extra = append(extra, policies.Finding{Path: src.Name, Severity: policies.Error, Code: policies.CodeField,
				Msg: lang.T(fmt.Sprintf("supersedes %q is not a document id", sup), fmt.Sprintf("supersedes 应为文档 id：“%s”", sup))})
		default:
			md = addFrontField(md, "supersedes", sup)
		}
	}
	doc, findings := s.parser.Parse(src.Name, md)
	// The store keeps UTF-8 text: a GB18030 file the parser converted is
	// kept converted.
	if !utf8.Valid(md) && doc != nil && !policies.HasErrors(findings) {
		if out, err := simplifiedchinese.GB18030.NewDecoder().Bytes(md); err == nil && utf8.Valid(out) {
			md = out
			doc, findings = s.parser.Parse(src.Name, md)
			warnings = append(warnings, lang.T("the file was GB18030/GBK text and was converted to UTF-8", "文件为 GB18030/GBK 编码，已转换为 UTF-8"))
		}
	}
	scope, bad := meta.Scope.fields(src.Name)
	extra = append(extra, bad...)
	if len(scope) > 0 && utf8.Valid(md) {
		added := false
		for _, f := range scope {
			var had bool
			if md, had = setFrontField(md, f[0], f[1]); had {
				warnings = append(warnings, lang.T(fmt.Sprintf("the file gives %s itself; the form's %q is not used", f[0], f[1]),
					fmt.Sprintf("文件中已有 %s，表单填写的“%s”未使用", f[0], f[1])))
			} else {
				added = true
			}
		}
		if added {
			doc, findings = s.parser.Parse(src.Name, md)
		}
	}
	findings = append(findings, extra...)
	v := record.Version{Status: record.Draft, Markdown: md, Source: src, Warnings: warnings, CreatedBy: who, Doc: doc, Findings: findings}
	if doc != nil {
		v.DocID, v.Title = doc.ID, doc.Title
	}
	if doc == nil || !ValidID(doc.ID) || !utf8.Valid(md) || bytes.IndexByte(md, 0) >= 0 {
		// Nothing to store it under, or text no database column takes.
		v.CreatedAt = s.now()
		return UploadResult{Version: v}, nil
	}
	if doc.Supersedes == doc.ID {
		v.Findings = append(v.Findings, policies.Finding{Path: src.Name, Severity: policies.Error, Code: policies.CodeField,
			Msg: lang.T("a document cannot supersede itself: remove the supersedes field", "文档不能替代自身，请删除 supersedes 字段")})
	}

	var out UploadResult
	_, err = s.change(ctx, func(st *snapshot, now time.Time) (record.Change, error) {
		nv := v
		nv.N = st.latest(nv.DocID) + 1
		nv.CreatedAt = now
		nv.Warnings = append(append([]lang.Text(nil), v.Warnings...), st.supersedesWarnings(doc)...)
		out = UploadResult{}
		var ch record.Change
		if cur := st.current(nv.DocID); cur != nil {
			d := Compare(cur.Doc, doc)
			d.From, d.To = cur.N, nv.N
			out.Diff = &d
		}
		ch.Audit = append(ch.Audit, record.AuditEntry{At: now, Who: who, Action: record.ActionUpload, DocID: nv.DocID,
			FromVersion: st.latest(nv.DocID), ToVersion: nv.N, Detail: uploadDetail(&nv)})
		if publish && nv.Publishable() && meta.Base != nil {
			if err := st.checkBase(nv.DocID, *meta.Base); err != nil {
				return record.Change{}, err
			}
		}
		if publish && nv.Publishable() {
			up, audit := st.publish(&nv, now, who, record.ActionPublish, lang.T("published at upload", "上传时直接发布"))
			ch.Update = append(ch.Update, up...)
			ch.Audit = append(ch.Audit, audit...)
			out.Published = true
		}
		ch.Add = []record.Version{nv}
		out.Version = nv
		return ch, nil
	})
	if err != nil {
		return UploadResult{}, s.staleDetail(ctx, err)
	}
	return out, nil
}

// uploadDetail summarises an upload for the audit log.
func uploadDetail(v *record.Version) lang.Text {
	en := v.Source.Name
	if v.Source.Type != "" {
		en += " (" + v.Source.Type + ")"
	}
	zh := en
	if n := len(v.Errors()) + len(v.Hygiene()); n > 0 {
		en += fmt.Sprintf(", %d errors", n)
		zh += fmt.Sprintf("，%d 个错误", n)
		for _, f := range v.Hygiene() {
			if f.Code == policies.CodeSpam {
				en += ", injected spam"
				zh += "，含被注入的垃圾信息"
				break
			}
		}
	}
	return lang.T(strings.TrimPrefix(en, ", "), strings.TrimPrefix(zh, "，"))
}

// supersedesWarnings notes a supersedes field naming an unknown document.
func (st *snapshot) supersedesWarnings(doc *policies.Document) []lang.Text {
	if doc == nil || doc.Supersedes == "" || doc.Supersedes == doc.ID || len(st.byDoc[doc.Supersedes]) > 0 {
		return nil
	}
	return []lang.Text{lang.T(fmt.Sprintf("supersedes names %q, which is not in the corpus: nothing will be retired", doc.Supersedes),
		fmt.Sprintf("被替代的文档 %s 不存在，不会停用任何文档", doc.Supersedes))}
}

// addFrontField adds "key: value" to the front matter of md when it has no
// such key; value must need no YAML quoting (a document id).
func addFrontField(md []byte, key, value string) []byte {
	md, _ = setFrontField(md, key, value)
	return md
}

// setFrontField is addFrontField that also reports whether the key was
// there already (md is then unchanged).
func setFrontField(md []byte, key, value string) ([]byte, bool) {
	lines := bytes.SplitAfter(md, []byte("\n"))
	if len(lines) == 0 || string(bytes.TrimSpace(lines[0])) != "---" {
		return md, false
	}
	for i := 1; i < len(lines); i++ {
		t := bytes.TrimSpace(lines[i])
		if bytes.HasPrefix(t, []byte(key+":")) {
			return md, true
		}
		if string(t) == "---" {
			var out bytes.Buffer
			for _, l := range lines[:i] {
				out.Write(l)
			}
			out.WriteString(key + ": " + value + "\n")
			for _, l := range lines[i:] {
				out.Write(l)
			}
			return out.Bytes(), false
		}
	}
	return md, false
}
