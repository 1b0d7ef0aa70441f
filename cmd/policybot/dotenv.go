package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"regexp"
	"strings"

	"github.com/joho/godotenv"
)

// withDotEnv returns a getenv that falls back to the values in the file path
// (when it exists): the process environment always wins. A file that
// exists but cannot be read or parsed is an error naming the line, rather
// than a configuration silently left out.
func withDotEnv(getenv func(string) string, path string) (func(string) string, error) {
	vals, err := readDotEnv(path)
	if err != nil {
		return nil, err
	}
	return func(k string) string {
		if v := getenv(k); v != "" {
			return v
		}
		return strings.TrimSpace(vals[k])
	}, nil
}

// readDotEnv parses the .env file at path with godotenv; a missing file
// has no values. The error of a malformed file names the first line that
// is wrong and what is wrong with it, in English and Chinese, without
// quoting the line (it may hold a secret).
func readDotEnv(path string) (map[string]string, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w (无法读取 %s)", path, err, path)
	}
	vals, problem := parseDotEnv(data)
	if problem == nil {
		return vals, nil
	}
	// godotenv says what is wrong but not where: the line is the one after
	// the longest run of whole lines that parses.
	lines := strings.SplitAfter(string(data), "\n")
	line := 1
	for k := len(lines) - 1; k > 0; k-- {
		if _, p := parseDotEnv([]byte(strings.Join(lines[:k], ""))); p == nil {
			line = k + 1
			break
		}
	}
	if _, p := parseDotEnv([]byte(strings.Join(lines[:line], ""))); p != nil {
		problem = p // what is wrong on that line, not further on
	}
	return nil, fmt.Errorf("%s line %d: %s; each line is NAME=value, # a comment, or empty, as in .env.example (%s 第 %d 行：%s；每行应为“变量名=值”、# 注释或空行，参见 .env.example)",
		path, line, problem.en, path, line, problem.zh)
}

// dotEnvProblem is what is wrong with a .env file, in both languages.
type dotEnvProblem struct{ en, zh string }

// envName is a name a variable can have.
var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// parseDotEnv parses data, or says what is wrong with it: godotenv's
// errors, and names it accepts that no variable has ("FOO BAR", or none
// when a line has no "=").
func parseDotEnv(data []byte) (map[string]string, *dotEnvProblem) {
	vals, err := godotenv.UnmarshalBytes(data)
	if err != nil {
		msg := err.Error()
		switch {
		case strings.HasPrefix(msg, "unterminated quoted value"):
			return nil, &dotEnvProblem{"a quoted value has no closing quote", "引号中的值缺少结尾引号"}
		case strings.HasPrefix(msg, "unexpected character"):
			var c string
			if _, err := fmt.Sscanf(msg, "unexpected character %q", &c); err != nil || c == "\n" {
				return nil, &dotEnvProblem{`there is no "=" after the name`, "变量名后缺少“=”"}
			}
			return nil, &dotEnvProblem{fmt.Sprintf("%q cannot be part of a variable name", c), fmt.Sprintf("变量名中不能有 %q", c)}
		}
		return nil, &dotEnvProblem{"it cannot be parsed", "无法解析"}
	}
	for k := range vals {
		switch {
		case k == "":
			return nil, &dotEnvProblem{`there is no "=" after the name`, "变量名后缺少“=”"}
		case !envName.MatchString(k):
			return nil, &dotEnvProblem{fmt.Sprintf("%q is not a variable name (letters, digits and _)", k), fmt.Sprintf("%q 不是变量名（只能由字母、数字和 _ 组成）", k)}
		}
	}
	return vals, nil
}
