package web

// Uploads: POST /admin/api/documents, a multipart form with the file and
// the metadata fields.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"policybot/corpus"
	"policybot/corpus/record"
	"policybot/policies"
	"policybot/web/adminapi"
)

// uploadFields are the form fields an upload reads besides the file.
var uploadFields = map[string]bool{
	"id": true, "title": true, "category": true, "issuer": true, "doc_no": true, "published": true,
	"effective_from": true, "effective_to": true, "lead_department": true, "source_url": true,
	"sample": true, "supersedes": true, "publish": true, "base_version": true,
	"region": true, "level": true, "year": true, "status": true,
}

// maxFieldBytes bounds one metadata field.
const maxFieldBytes = 4 << 10

func truthy(s string) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "1", "true", "yes", "on":
		return true
	}
	return false
}

// errTooLarge is the upload cap.
func (a *admin) errTooLarge() error {
	mb := strconv.FormatFloat(float64(a.maxUpload)/(1<<20), 'f', -1, 64)
	return &apiError{code: codeTooLarge,
		en: "The file is larger than " + mb + " MB: split it or compress its images.",
		zh: "文件超过 " + mb + " MB，请拆分文件或压缩图片后再上传。"}
}

// handleUpload answers POST /admin/api/documents: a multipart form with
// the file and, for files without front matter, the metadata fields.
// ?publish=1 publishes a version that validates. 201 with the version,
// or 422 with the same body when it does not validate.
func (a *admin) handleUpload() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Reading 20 MB and converting a PDF outlast the server's
		// deadlines for questions. Deadlines are on the wall clock, not the
		// injected one.
		rc := http.NewResponseController(w)
		_ = rc.SetReadDeadline(time.Now().Add(a.uploadTimeout))
		_ = rc.SetWriteDeadline(time.Now().Add(a.uploadTimeout + 30*time.Second))
		ctx, cancel := context.WithTimeout(r.Context(), a.uploadTimeout)
		defer cancel()

		r.Body = http.MaxBytesReader(w, r.Body, a.maxUpload+1<<20)
		mr, err := r.MultipartReader()
		if err != nil {
			a.writeErr(w, r, errInvalid("Send the file as multipart/form-data, in a field named file.", "请以 multipart/form-data 上传文件（字段名 file）。"))
			return
		}
		fields := map[string]string{}
		var name string
		var data []byte
		gotFile := false
		for {
			part, err := mr.NextPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				a.writeUploadReadError(w, r, err)
				return
			}
			switch field := part.FormName(); {
			case field == "file" && !gotFile:
				gotFile = true
				name = part.FileName()
				data, err = io.ReadAll(io.LimitReader(part, a.maxUpload+1))
				if err != nil {
					a.writeUploadReadError(w, r, err)
					return
				}
				if int64(len(data)) > a.maxUpload {
					a.writeErr(w, r, a.errTooLarge())
					return
				}
			case uploadFields[field]:
				v, err := io.ReadAll(io.LimitReader(part, maxFieldBytes+1))
				if err != nil {
					a.writeUploadReadError(w, r, err)
					return
				}
				if len(v) > maxFieldBytes || !utf8.Valid(v) {
					a.writeErr(w, r, errInvalid("The field "+field+" is too long or not UTF-8 text.", "表单字段 "+field+" 过长或不是有效文本。"))
					return
				}
				fields[field] = strings.TrimSpace(string(v))
			default:
				// Unknown parts are read past (within the body limit).
				if _, err := io.Copy(io.Discard, part); err != nil {
					a.writeUploadReadError(w, r, err)
					return
				}
			}
		}
		if !gotFile {
			a.writeErr(w, r, errInvalid("No file: send it in a form field named file.", "没有收到文件，请选择要上传的文件。"))
			return
		}
		meta := corpus.Meta{Meta: policies.Meta{
			ID: fields["id"], Title: fields["title"], Category: fields["category"], Issuer: fields["issuer"],
			DocNo: fields["doc_no"], Published: fields["published"], EffectiveFrom: fields["effective_from"],
			EffectiveTo: fields["effective_to"], LeadDepartment: fields["lead_department"], SourceURL: fields["source_url"],
			Sample: truthy(fields["sample"]),
		}, Supersedes: fields["supersedes"], Scope: corpus.Scope{
			Region: fields["region"], Level: fields["level"], Year: fields["year"], Status: fields["status"],
		}}
		publish := truthy(r.URL.Query().Get("publish")) || truthy(fields["publish"])
		if base, ok, err := baseParam(r, fields); err != nil {
			a.writeErr(w, r, err)
			return
		} else if ok {
			meta.Base = &base
		}
		u := userOf(r.Context())
		res, err := a.corpus.Upload(ctx, u.name, name, data, meta, publish)
		if err != nil {
			a.writeErr(w, r, err)
			return
		}
		out := adminapi.Upload{DocVersion: newVersionJSON(&res.Version, a.now(), true), Published: res.Published}
		if res.Diff != nil {
			out.Diff = newDiffJSON(*res.Diff)
		}
		if res.N > 0 && res.Publishable() {
			writeJSON(w, http.StatusCreated, out)
			return
		}
		out.Error, out.ErrorZh = uploadRefusal(&res.Version)
		writeJSON(w, http.StatusUnprocessableEntity, out)
	})
}

// uploadRefusal says why an upload does not validate.
func uploadRefusal(v *record.Version) (en, zh string) {
	for _, f := range v.Findings {
		if f.Code == corpus.CodeFile {
			return f.Msg.En, f.Msg.Zh
		}
	}
	n := len(v.Errors()) + len(v.Hygiene())
	spam := false
	for _, f := range v.Hygiene() {
		spam = spam || f.Code == policies.CodeSpam
	}
	en = fmt.Sprintf("The document has %d problems and was not published: fix them in the file and upload it again.", n)
	zh = fmt.Sprintf("文件有 %d 个问题，未发布。请修改原文件后重新上传。", n)
	if spam {
		en = fmt.Sprintf("The document contains injected spam (gambling or lottery text) and has %d problems; it was not published.", n)
		zh = fmt.Sprintf("文件中含有被注入的赌博/彩票等垃圾信息（共 %d 个问题），未发布。请恢复原文后重新上传。", n)
	}
	return en, zh
}

// writeUploadReadError answers a body that could not be read: 413 over
// the cap, 400 otherwise.
func (a *admin) writeUploadReadError(w http.ResponseWriter, r *http.Request, err error) {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		a.writeErr(w, r, a.errTooLarge())
		return
	}
	a.log.Info("admin: upload not readable", "err", err)
	a.writeErr(w, r, errInvalid("The upload could not be read: send it again.", "上传的内容无法读取，请重新上传。"))
}
