// Command porcupine-driver checks history files with Porcupine v1.3.0, for the side-by-side
// benchmark in benches/peers (see README.md there). It is splitbrain's own driver: it reads the
// same files splitbrain reads (Porcupine's etcd logs and kv EDN maps, and splitbrain's JSON
// lines), builds Porcupine events untimed, and times CheckEventsTimeout alone.
//
// Usage: porcupine-driver [-runs N] [-timeout D] FILE...
//
// One JSON line per file: its ops, the verdict ("Ok", "Illegal", "Unknown"), the median check
// time (wall and CPU) over the runs and the parse time. Models:
//   - *.log (Porcupine's etcd logs) and *.jsonl (splitbrain gen): a register per key with read,
//     write and cas; an operation that never completed (:info, or open at the end) gets an
//     unknown output at the end of the history, as Porcupine's own test suite does;
//   - other files (Porcupine's kv EDN maps): a string per key with get, put and append.
//
// The kv model has an FNV-1a Hash (new in v1.3.0), as Porcupine's own kv test model does; the
// register model has none, as Porcupine's etcd test model (a Hash made etcd_002 1.7x slower here).
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"hash/fnv"
	"math"
	"os"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/anishathalye/porcupine"
)

// absent is the register's value before any write.
const absent = math.MinInt64

type regInput struct {
	key  string
	op   byte // 'r', 'w', 'c'
	a, b int64
}

type regOutput struct {
	known bool  // false: the operation's outcome is unknown
	ok    bool  // cas: whether it applied
	value int64 // read: the value read
}

var registerModel = porcupine.Model{
	PartitionEvent: partitionByKey(func(v interface{}) string { return v.(regInput).key }),
	Init:           func() interface{} { return int64(absent) },
	Step: func(state, input, output interface{}) (bool, interface{}) {
		s, in, out := state.(int64), input.(regInput), output.(regOutput)
		switch in.op {
		case 'r':
			return !out.known || out.value == s, s
		case 'w':
			return true, in.a
		default: // cas
			switch {
			case !out.known:
				if s == in.a {
					return true, in.b
				}
				return true, s
			case out.ok:
				return s == in.a, in.b
			default:
				return s != in.a, s
			}
		}
	},
}

type kvInput struct {
	key, value string
	op         byte // 'g', 'p', 'a'
}

var kvModel = porcupine.Model{
	PartitionEvent: partitionByKey(func(v interface{}) string { return v.(kvInput).key }),
	Init:           func() interface{} { return "" },
	Step: func(state, input, output interface{}) (bool, interface{}) {
		s, in := state.(string), input.(kvInput)
		switch in.op {
		case 'g':
			return output.(string) == s, s
		case 'p':
			return true, in.value
		default:
			return true, s + in.value
		}
	},
	Hash: func(state interface{}) uint64 {
		h := fnv.New64a()
		h.Write([]byte(state.(string)))
		return h.Sum64()
	},
}

// partitionByKey splits events by the key of their call; returns go with their call.
func partitionByKey(key func(interface{}) string) func([]porcupine.Event) [][]porcupine.Event {
	return func(history []porcupine.Event) [][]porcupine.Event {
		byID := map[int]string{}
		index := map[string]int{}
		var parts [][]porcupine.Event
		for _, e := range history {
			var k string
			if e.Kind == porcupine.CallEvent {
				k = key(e.Value)
				byID[e.Id] = k
			} else {
				k = byID[e.Id]
			}
			i, seen := index[k]
			if !seen {
				i = len(parts)
				index[k] = i
				parts = append(parts, nil)
			}
			parts[i] = append(parts[i], e)
		}
		return parts
	}
}

// builder pairs calls and returns per process, as Jepsen histories are written.
type builder struct {
	events []porcupine.Event
	open   map[string]int // process -> id of its open call
	nextID int
	ops    int
}

func newBuilder() *builder { return &builder{open: map[string]int{}} }

func (b *builder) call(process string, input interface{}) {
	id := b.nextID
	b.nextID++
	b.open[process] = id
	b.ops++
	b.events = append(b.events, porcupine.Event{Kind: porcupine.CallEvent, Value: input, Id: id})
}

func (b *builder) ret(process string, output interface{}) error {
	id, ok := b.open[process]
	if !ok {
		return fmt.Errorf("completion of process %s without an open call", process)
	}
	delete(b.open, process)
	b.events = append(b.events, porcupine.Event{Kind: porcupine.ReturnEvent, Value: output, Id: id})
	return nil
}

// drop removes the open call of process (an operation that definitely did not happen).
func (b *builder) drop(process string) {
	id := b.open[process]
	delete(b.open, process)
	for i := len(b.events) - 1; i >= 0; i-- {
		if b.events[i].Id == id && b.events[i].Kind == porcupine.CallEvent {
			b.events = append(b.events[:i], b.events[i+1:]...)
			b.ops--
			return
		}
	}
}

// finish returns every call still open (never completed) with `unknown` at the end.
func (b *builder) finish(unknown interface{}) []porcupine.Event {
	ids := make([]int, 0, len(b.open))
	for _, id := range b.open {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	for _, id := range ids {
		b.events = append(b.events, porcupine.Event{Kind: porcupine.ReturnEvent, Value: unknown, Id: id})
	}
	return b.events
}

var etcdLine = regexp.MustCompile(`^INFO\s+jepsen\.util\s+-\s+(\d+)\s+:(invoke|ok|fail|info)\s+:(read|write|cas)\s+(.*?)\s*$`)

func parseInt(s string) int64 {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		panic(fmt.Sprintf("not an integer: %q", s))
	}
	return n
}

func parseCasArgs(s string) (int64, int64) {
	f := strings.Fields(strings.Trim(s, "[]"))
	return parseInt(f[0]), parseInt(f[1])
}

func readEtcd(path string) ([]porcupine.Event, int, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	b := newBuilder()
	scanner := bufio.NewScanner(f)
	for line := 1; scanner.Scan(); line++ {
		m := etcdLine.FindStringSubmatch(scanner.Text())
		if m == nil {
			continue
		}
		process, kind, fn, arg := m[1], m[2], m[3], m[4]
		switch kind {
		case "invoke":
			in := regInput{op: fn[0]}
			switch fn {
			case "write":
				in.a = parseInt(arg)
			case "cas":
				in.a, in.b = parseCasArgs(arg)
			}
			b.call(process, in)
		case "ok":
			out := regOutput{known: true, ok: true, value: absent}
			if fn == "read" && arg != "nil" {
				out.value = parseInt(arg)
			}
			if err := b.ret(process, out); err != nil {
				return nil, 0, fmt.Errorf("%s:%d: %v", path, line, err)
			}
		case "fail":
			out := regOutput{known: fn == "cas"}
			if err := b.ret(process, out); err != nil {
				return nil, 0, fmt.Errorf("%s:%d: %v", path, line, err)
			}
		case "info":
			// Stays open: it may take effect at any later time, or never.
		}
	}
	return b.finish(regOutput{}), b.ops, scanner.Err()
}

var kvField = regexp.MustCompile(`:(process|type|f|key|value) ("[^"]*"|[^,}]+)`)

func readKv(path string) ([]porcupine.Event, int, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	b := newBuilder()
	inputs := map[string]kvInput{}
	scanner := bufio.NewScanner(f)
	for line := 1; scanner.Scan(); line++ {
		fields := map[string]string{}
		for _, m := range kvField.FindAllStringSubmatch(scanner.Text(), -1) {
			fields[m[1]] = strings.Trim(strings.TrimSpace(m[2]), `"`)
		}
		if len(fields) == 0 {
			continue
		}
		process := fields["process"]
		value := fields["value"]
		if value == "nil" {
			value = ""
		}
		switch fields["type"] {
		case ":invoke":
			in := kvInput{key: fields["key"], value: value, op: fields["f"][1]}
			inputs[process] = in
			b.call(process, in)
		case ":ok":
			if err := b.ret(process, value); err != nil {
				return nil, 0, fmt.Errorf("%s:%d: %v", path, line, err)
			}
		default:
			return nil, 0, fmt.Errorf("%s:%d: unexpected type %q", path, line, fields["type"])
		}
	}
	return b.finish(""), b.ops, scanner.Err()
}

type jsonEvent struct {
	Process json.RawMessage `json:"process"`
	Type    string          `json:"type"`
	F       string          `json:"f"`
	Key     json.RawMessage `json:"key"`
	Value   json.RawMessage `json:"value"`
}

func readJsonl(path string) ([]porcupine.Event, int, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	b := newBuilder()
	scanner := bufio.NewScanner(f)
	scanner.Buffer(make([]byte, 1<<20), 1<<26)
	for line := 1; scanner.Scan(); line++ {
		var e jsonEvent
		if err := json.Unmarshal(scanner.Bytes(), &e); err != nil {
			return nil, 0, fmt.Errorf("%s:%d: %v", path, line, err)
		}
		process := string(e.Process)
		if process == `"nemesis"` {
			continue
		}
		raw := string(e.Value)
		switch e.Type {
		case "invoke":
			in := regInput{key: string(e.Key), op: e.F[0]}
			switch e.F {
			case "write":
				in.a = parseInt(raw)
			case "cas":
				var ab [2]int64
				if err := json.Unmarshal(e.Value, &ab); err != nil {
					return nil, 0, fmt.Errorf("%s:%d: %v", path, line, err)
				}
				in.a, in.b = ab[0], ab[1]
			}
			b.call(process, in)
		case "ok":
			out := regOutput{known: true, ok: true, value: absent}
			if e.F == "read" && raw != "null" {
				out.value = parseInt(raw)
			}
			if err := b.ret(process, out); err != nil {
				return nil, 0, fmt.Errorf("%s:%d: %v", path, line, err)
			}
		case "fail":
			if e.F == "cas" {
				// Splitbrain reads a failed cas as "the compare did not hold".
				if err := b.ret(process, regOutput{known: true}); err != nil {
					return nil, 0, fmt.Errorf("%s:%d: %v", path, line, err)
				}
			} else {
				b.drop(process)
			}
		case "info":
			// Stays open: it may take effect at any later time, or never.
		}
	}
	return b.finish(regOutput{}), b.ops, scanner.Err()
}

// cpuSeconds is the user + system time of the whole process so far (every goroutine and the GC):
// what a loaded machine cannot take away, unlike wall time.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

type result struct {
	File         string  `json:"file"`
	Ops          int     `json:"ops"`
	Verdict      string  `json:"verdict"`
	CheckSeconds float64 `json:"check_seconds"`
	CheckCPU     float64 `json:"check_cpu_seconds"`
	ParseSeconds float64 `json:"parse_seconds"`
}

func main() {
	runs := flag.Int("runs", 1, "check each file this many times (the median is reported)")
	timeout := flag.Duration("timeout", 300*time.Second, "Porcupine's time limit per check")
	flag.Parse()
	out := json.NewEncoder(os.Stdout)
	for _, path := range flag.Args() {
		start := time.Now()
		var events []porcupine.Event
		var ops int
		var err error
		model := registerModel
		switch {
		case strings.HasSuffix(path, ".log"):
			events, ops, err = readEtcd(path)
		case strings.HasSuffix(path, ".jsonl"):
			events, ops, err = readJsonl(path)
		default:
			events, ops, err = readKv(path)
			model = kvModel
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(3)
		}
		parse := time.Since(start).Seconds()
		var verdict porcupine.CheckResult
		times := make([]float64, *runs)
		cpus := make([]float64, *runs)
		for i := range times {
			runtime.GC()
			cpu := cpuSeconds()
			start := time.Now()
			verdict = porcupine.CheckEventsTimeout(model, events, *timeout)
			times[i] = time.Since(start).Seconds()
			cpus[i] = cpuSeconds() - cpu
		}
		sort.Float64s(times)
		sort.Float64s(cpus)
		out.Encode(result{path, ops, string(verdict), times[len(times)/2], cpus[len(cpus)/2], parse})
	}
}
