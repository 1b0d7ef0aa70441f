package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
)

// writeJSON sends v with the status. Chinese and <, > are written as is:
// the body is JSON, never HTML.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := marshal(v)
	if err != nil {
		http.Error(w, `{"error":"encoding failed","error_zh":"编码失败"}`, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// marshal is json.Marshal without HTML escaping and with a final newline.
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// decodeJSON reads the request body, at most limit bytes, into v. A body
// that is not one JSON value of the right shape is errInvalid; a larger one
// is an *http.MaxBytesError.
func decodeJSON(w http.ResponseWriter, r *http.Request, limit int64, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, limit))
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
		if errors.Is(err, io.EOF) {
			return errInvalid("The request body is empty; send a JSON object.", "请求内容为空，请发送 JSON 对象。")
		}
		return errInvalid("The request body is not valid JSON: "+err.Error(), "请求内容不是有效的 JSON。")
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
		return errInvalid("The request body has data after the JSON object.", "请求内容在 JSON 对象之后还有多余数据。")
	}
	return nil
}
