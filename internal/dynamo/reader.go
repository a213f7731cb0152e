package dynamo

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// reader decodes attributes of an item, keeping the first problem.
type reader struct {
	item item
	what string
	err  error
}

func (r *reader) keep(err error) {
	if r.err == nil {
		r.err = err
	}
}

func (r *reader) fail(name, problem string) {
	r.keep(fmt.Errorf("dynamo: malformed %s item: attribute %s %s (attributes: %s)",
		r.what, name, problem, strings.Join(slices.Sorted(maps.Keys(r.item)), ", ")))
}

func (r *reader) str(name string) string {
	v, ok := r.item[name].(*types.AttributeValueMemberS)
	if !ok {
		r.fail(name, "is not a string")
		return ""
	}
	return v.Value
}

// optStr reads a string attribute that may be missing ("").
func (r *reader) optStr(name string) string {
	if _, ok := r.item[name]; !ok {
		return ""
	}
	return r.str(name)
}

func (r *reader) int(name string) int64 {
	v, ok := r.item[name].(*types.AttributeValueMemberN)
	if !ok {
		r.fail(name, "is not a number")
		return 0
	}
	n, err := strconv.ParseInt(v.Value, 10, 64)
	if err != nil {
		r.fail(name, "is not a whole number")
	}
	return n
}

func (r *reader) bool(name string) bool {
	v, ok := r.item[name].(*types.AttributeValueMemberBOOL)
	if !ok {
		r.fail(name, "is not a boolean")
		return false
	}
	return v.Value
}

// time reads a time attribute; a missing one is the zero time.
func (r *reader) time(name string) time.Time {
	if _, ok := r.item[name]; !ok {
		return time.Time{}
	}
	s := r.str(name)
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		r.fail(name, "is not an RFC 3339 time")
	}
	return t.UTC()
}

func (r *reader) listOfMaps(name string) []item {
	v, ok := r.item[name].(*types.AttributeValueMemberL)
	if !ok {
		r.fail(name, "is not a list")
		return nil
	}
	out := make([]item, 0, len(v.Value))
	for _, e := range v.Value {
		m, ok := e.(*types.AttributeValueMemberM)
		if !ok {
			r.fail(name, "holds an element that is not a map")
			return nil
		}
		out = append(out, m.Value)
	}
	return out
}

func (r *reader) mapOf(name string) item {
	v, ok := r.item[name].(*types.AttributeValueMemberM)
	if !ok {
		r.fail(name, "is not a map")
		return nil
	}
	return v.Value
}

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }
