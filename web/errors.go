package web

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"policybot/policies/fault"
	"policybot/policies/lang"
	"policybot/web/adminapi"
)

// errorCode is the small vocabulary every error of the server is reduced
// to; statusOf is the one place that turns it into an HTTP status.
type errorCode string

const (
	codeInvalid   errorCode = "invalid_request"
	codeTooLarge  errorCode = "too_large"
	codeNotFound  errorCode = "not_found"
	codeMethod    errorCode = "method_not_allowed"
	codeForbidden errorCode = "forbidden"
	// codeOriginNotAllowed is a 403 for a page on a site that is not in
	// POLICYBOT_ALLOWED_ORIGINS: the widget tells the visitor so.
	codeOriginNotAllowed errorCode = "origin_not_allowed"
	codeRateLimited      errorCode = "rate_limited"
	codeUnavailable      errorCode = "unavailable"
	codeTimeout          errorCode = "timeout"
	codeInternal         errorCode = "internal_error"

	// The admin API's (admin.go).
	codeUnauthorized  errorCode = "unauthorized"
	codeConflict      errorCode = "conflict"
	codeUnprocessable errorCode = "unprocessable"
	// codeAdminOff is a 404 under /admin/api/ of a server with no admin
	// token: policybot docs says how to turn it on.
	codeAdminOff errorCode = adminapi.CodeAdminOff
	// codeStale is a 409 for a publish made on an outdated view of the
	// document (corpus.StaleError).
	codeStale errorCode = adminapi.CodeStale
)

// apiError is a refusal of the HTTP adapter's own, with its code and what
// the user is told in English and Chinese: a rate limit, an origin not
// allowed, a sign-in, a method, a body too large. The core's refusals are
// *fault.Error (a malformed parameter here too, errInvalid); statusOf
// translates both.
type apiError struct {
	code       errorCode
	en, zh     string
	retryAfter time.Duration // sent as Retry-After when set
}

func (e *apiError) Error() string { return e.en }

// errInvalid is a request the server refuses as malformed (a bad
// parameter): the core's fault.Invalid, which statusOf makes a 400.
func errInvalid(en, zh string) error { return fault.New(fault.Invalid, "", lang.T(en, zh)) }

var errStarting = &apiError{code: codeUnavailable, en: "The service is starting; please retry shortly.", zh: "服务正在启动，请稍后再试。", retryAfter: 5 * time.Second}

// statusOf translates an error into the status and the messages a client
// sees. It is the only place that knows which error means which status.
func statusOf(err error) (status int, code errorCode, en, zh string) {
	var ae *apiError
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &ae):
		code, en, zh = ae.code, ae.en, ae.zh
	case errors.As(err, &mbe):
		code, en, zh = codeTooLarge, "The request body is larger than "+strconv.FormatInt(mbe.Limit, 10)+" bytes.", "请求内容过大。"
	case fault.As(err) != nil:
		fe := fault.As(err)
		code, en, zh = codeOf(fe.Kind), fe.Msg.En, fe.Msg.Zh
	case errors.Is(err, fault.NotFound):
		code, en, zh = codeNotFound, "Not found.", "未找到。"
	case errors.Is(err, context.DeadlineExceeded):
		code, en, zh = codeTimeout, "Answering took too long; please try again.", "回答超时，请稍后再试。"
	case errors.Is(err, context.Canceled):
		code, en, zh = codeUnavailable, "The request was cancelled.", "请求已取消。"
	default:
		code, en, zh = codeInternal, "Something went wrong on our side; please try again later.", "服务器内部错误，请稍后再试。"
	}
	switch code {
	case codeInvalid:
		status = http.StatusBadRequest
	case codeTooLarge:
		status = http.StatusRequestEntityTooLarge
	case codeNotFound, codeAdminOff:
		status = http.StatusNotFound
	case codeMethod:
		status = http.StatusMethodNotAllowed
	case codeForbidden, codeOriginNotAllowed:
		status = http.StatusForbidden
	case codeRateLimited:
		status = http.StatusTooManyRequests
	case codeUnavailable:
		status = http.StatusServiceUnavailable
	case codeTimeout:
		status = http.StatusGatewayTimeout
	case codeUnauthorized:
		status = http.StatusUnauthorized
	case codeConflict, codeStale:
		status = http.StatusConflict
	case codeUnprocessable:
		status = http.StatusUnprocessableEntity
	default:
		status = http.StatusInternalServerError
	}
	return status, code, en, zh
}

// codeOf is the error code of a kind of the core's refusals.
func codeOf(k fault.Kind) errorCode {
	switch k {
	case fault.NotFound:
		return codeNotFound
	case fault.Conflict:
		return codeConflict
	case fault.Rejected, fault.Unsupported:
		return codeUnprocessable
	case fault.TooLarge:
		return codeTooLarge
	default:
		return codeInvalid
	}
}

// errorBody is the JSON of every error: {"error": "...", "error_zh": "...",
// "code": "..."}; code is the errorCode, for clients that act on it.
type errorBody struct {
	Error   string    `json:"error"`
	ErrorZh string    `json:"error_zh"`
	Code    errorCode `json:"code"`
}

// openAIErrorBody is an error as OpenAI clients expect it, with the
// Chinese message beside.
type openAIErrorBody struct {
	Error struct {
		Message string `json:"message"`
		Type    string `json:"type"`
		Code    string `json:"code"`
	} `json:"error"`
	ErrorZh string `json:"error_zh"`
}

// writeError answers a request with err. Server errors are logged with
// their detail; the client only sees the messages of statusOf. Under /v1/
// the body has the OpenAI error shape so that SDKs show the message.
func writeError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	status, code, en, zh := statusOf(err)
	if status >= 500 && status != http.StatusServiceUnavailable && status != http.StatusGatewayTimeout {
		log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	} else {
		log.Debug("request refused", "method", r.Method, "path", r.URL.Path, "status", status, "err", err)
	}
	var ae *apiError
	if errors.As(err, &ae) && ae.retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int((ae.retryAfter+time.Second-1)/time.Second)))
	}
	if strings.HasPrefix(r.URL.Path, "/v1/") {
		writeJSON(w, status, openAIError(err))
		return
	}
	writeJSON(w, status, errorBody{Error: en, ErrorZh: zh, Code: code})
}

// openAIError is err as the body of an OpenAI error (also sent as the last
// event of a stream that fails).
func openAIError(err error) openAIErrorBody {
	status, code, en, zh := statusOf(err)
	var b openAIErrorBody
	b.Error.Message, b.Error.Code, b.ErrorZh = en, string(code), zh
	switch {
	case status == http.StatusTooManyRequests:
		b.Error.Type = "rate_limit_error"
	case status >= 500:
		b.Error.Type = "server_error"
	default:
		b.Error.Type = "invalid_request_error"
	}
	return b
}
