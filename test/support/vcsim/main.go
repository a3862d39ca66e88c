// Command vcsim is muster's test vCenter: govmomi's own simulator (Debian's
// golang-github-vmware-govmomi-dev 0.24, vCenter 6.5 API) serving SOAP at https://127.0.0.1:PORT/sdk
// with a fresh self-signed certificate, fixed credentials, and the VMs a test asks for.
//
//	vcsim -listen 127.0.0.1:0 -fixture fixture.json -cert-out cert.pem -username u -password p
//	vcsim -count 500 -env prod -role etcd            (generated VMs, plus -fixture if given)
//
// Fixture: {"vms":[{"name":"etcd-0","extraConfig":{"tags_role":"etcd"},"powerOn":true,
// "ip":"127.0.0.1","ipAfterMs":0,"uuid":"..."}]}; "-fixture -" reads it from stdin. The VMs are
// made through govmomi's client API (Folder.CreateVM, VirtualMachine.Reconfigure, PowerOn), in
// process. Guest IPs are set with the simulator's "SET.<property path>" extraConfig keys, which it
// applies to the VM's properties (guest.ipAddress, summary.guest.ipAddress, ...) instead of storing
// them in config.extraConfig. Nothing else assigns guest IPs: there is no guest customization, and
// no container runs (that needs a RUN.container key).
//
// When ready it prints one JSON line, {"url":…,"cert":…,"vms":[{"name":…,"moref":"vm-NN"}]}, and
// serves until SIGTERM or SIGINT. GET /muster-stats answers {"requests":N,"methods":{…}}: the SOAP
// requests received on /sdk (by method element name) since start or POST /muster-stats/reset.
//
// The property collector pages as vCenter's does (govmomi 0.24's ignores options.maxObjects and
// has no ContinueRetrievePropertiesEx): see pagingCollector.
package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"flag"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"sort"
	"sync"
	"syscall"
	"time"

	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/simulator/esx"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
	"github.com/vmware/govmomi/vim25/xml"
)

type fixtureVM struct {
	Name        string            `json:"name"`
	ExtraConfig map[string]string `json:"extraConfig"`
	PowerOn     bool              `json:"powerOn"`
	IP          string            `json:"ip"`        // "" = never gets a guest IP
	IPAfterMs   int               `json:"ipAfterMs"` // > 0: no IP until that long after ready
	UUID        string            `json:"uuid"`      // config.uuid (BIOS UUID); the simulator derives one if empty
}

type createdVM struct {
	Name  string `json:"name"`
	Moref string `json:"moref"`
}

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "address to serve on")
	fixturePath := flag.String("fixture", "", "fixture JSON file, - for stdin")
	certOut := flag.String("cert-out", "", "where to write the server certificate (PEM); default: a temp file removed at exit")
	username := flag.String("username", "muster", "the only user Login accepts")
	password := flag.String("password", "muster-password", "… and its password")
	count := flag.Int("count", 0, "generate this many powered-on VMs with IPs 10.x.y.z")
	env := flag.String("env", "prod", "tags_environment of the generated VMs")
	role := flag.String("role", "etcd", "tags_role of the generated VMs")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("vcsim: ")

	var vms []fixtureVM
	if *fixturePath != "" {
		vms = readFixture(*fixturePath)
	}
	for i := 0; i < *count; i++ {
		n := i + 1
		vms = append(vms, fixtureVM{
			Name:        fmt.Sprintf("%s-%s-%04d", *env, *role, i),
			ExtraConfig: map[string]string{"tags_environment": *env, "tags_role": *role},
			PowerOn:     true,
			IP:          fmt.Sprintf("10.%d.%d.%d", (n>>16)&255, (n>>8)&255, n&255),
		})
	}

	// One datacenter, one cluster with one host, one datastore, no VMs of the model's own.
	model := simulator.VPX()
	model.Datacenter, model.Cluster, model.ClusterHost, model.Host = 1, 1, 1, 0
	model.Portgroup, model.Datastore, model.Machine, model.Autostart = 0, 1, 0, false
	if err := model.Create(); err != nil {
		log.Fatalf("model: %s", err)
	}
	defer model.Remove() // the datastore's temp dir
	usePagingCollector()

	ctx := context.Background()
	// In process (Service implements soap.RoundTripper): fast, and not counted in /muster-stats.
	client, err := vim25.NewClient(ctx, model.Service)
	if err != nil {
		log.Fatalf("client: %s", err)
	}
	start := time.Now()
	refs, err := createVMs(ctx, client, vms)
	if err != nil {
		log.Fatalf("creating VMs: %s", err)
	}
	log.Printf("created %d VMs in %s", len(vms), time.Since(start).Round(time.Millisecond))

	cert, certPEM := selfSignedCert()
	certFile := *certOut
	if certFile == "" {
		f, err := os.CreateTemp("", "muster-vcsim-*.pem")
		if err != nil {
			log.Fatal(err)
		}
		certFile = f.Name()
		_ = f.Close()
		defer os.Remove(certFile)
	}
	if err := os.WriteFile(certFile, certPEM, 0o644); err != nil {
		log.Fatal(err)
	}

	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		log.Fatal(err)
	}
	server := serve(model.Service, ln, cert, *username, *password)

	created := make([]createdVM, len(vms))
	for i, vm := range vms {
		created[i] = createdVM{vm.Name, refs[i].Reference().Value}
		if vm.IP != "" && vm.IPAfterMs > 0 {
			vm, ref := vm, refs[i]
			time.AfterFunc(time.Duration(vm.IPAfterMs)*time.Millisecond, func() {
				if err := reconfigure(ctx, ref, guestIP(vm.IP)); err != nil {
					log.Printf("late guest IP of %s: %s", vm.Name, err)
				}
			})
		}
	}
	ready, _ := json.Marshal(map[string]interface{}{
		"url":  fmt.Sprintf("https://%s/sdk", ln.Addr()),
		"cert": certFile,
		"vms":  created,
	})
	fmt.Println(string(ready))

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	<-stop
	_ = server.Close()
}

func readFixture(path string) []fixtureVM {
	var data []byte
	var err error
	if path == "-" {
		data, err = io.ReadAll(os.Stdin)
	} else {
		data, err = os.ReadFile(path)
	}
	if err != nil {
		log.Fatalf("fixture: %s", err)
	}
	var fixture struct {
		VMs []fixtureVM `json:"vms"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&fixture); err != nil {
		log.Fatalf("fixture %s: %s", path, err)
	}
	return fixture.VMs
}

// createVMs makes the VMs one after the other (the simulator serializes creations in a folder
// anyway: 500 take about 0.3 s), so the morefs follow the order given.
func createVMs(ctx context.Context, client *vim25.Client, vms []fixtureVM) ([]*object.VirtualMachine, error) {
	finder := find.NewFinder(client, false)
	dc, err := finder.DefaultDatacenter(ctx)
	if err != nil {
		return nil, err
	}
	finder.SetDatacenter(dc)
	folders, err := dc.Folders(ctx)
	if err != nil {
		return nil, err
	}
	pool, err := finder.DefaultResourcePool(ctx)
	if err != nil {
		return nil, err
	}
	refs := make([]*object.VirtualMachine, len(vms))
	for i := range vms {
		if refs[i], err = createVM(ctx, folders.VmFolder, pool, vms[i]); err != nil {
			return nil, fmt.Errorf("%s: %w", vms[i].Name, err)
		}
	}
	return refs, nil
}

func createVM(ctx context.Context, folder *object.Folder, pool *object.ResourcePool, spec fixtureVM) (*object.VirtualMachine, error) {
	nic := esx.EthernetCard // one NIC on "VM Network", so guest.net has an entry too
	devices, err := object.VirtualDeviceList{&nic}.ConfigSpec(types.VirtualDeviceConfigSpecOperationAdd)
	if err != nil {
		return nil, err
	}
	task, err := folder.CreateVM(ctx, types.VirtualMachineConfigSpec{
		Name:         spec.Name,
		GuestId:      string(types.VirtualMachineGuestOsIdentifierOtherLinux64Guest),
		Uuid:         spec.UUID,
		Files:        &types.VirtualMachineFileInfo{VmPathName: "[LocalDS_0]"},
		DeviceChange: devices,
	}, pool, nil)
	if err != nil {
		return nil, err
	}
	info, err := task.WaitForResult(ctx, nil)
	if err != nil {
		return nil, err
	}
	vm := object.NewVirtualMachine(folder.Client(), info.Result.(types.ManagedObjectReference))

	var extra []types.BaseOptionValue
	keys := make([]string, 0, len(spec.ExtraConfig))
	for key := range spec.ExtraConfig {
		keys = append(keys, key)
	}
	sort.Strings(keys) // config.extraConfig in a stable order
	for _, key := range keys {
		extra = append(extra, &types.OptionValue{Key: key, Value: spec.ExtraConfig[key]})
	}
	if spec.IP != "" && spec.IPAfterMs <= 0 {
		extra = append(extra, guestIP(spec.IP)...)
	}
	if len(extra) > 0 {
		if err := reconfigure(ctx, vm, extra); err != nil {
			return nil, err
		}
	}
	if spec.PowerOn {
		task, err := vm.PowerOn(ctx)
		if err != nil {
			return nil, err
		}
		if err := task.Wait(ctx); err != nil {
			return nil, err
		}
	}
	return vm, nil
}

// guestIP is what VMware Tools would report for a guest with this address, as "SET." keys: the
// simulator assigns each to the property path after the prefix (see its applyExtraConfig).
func guestIP(ip string) []types.BaseOptionValue {
	set := func(path, value string) types.BaseOptionValue {
		return &types.OptionValue{Key: "SET." + path, Value: value}
	}
	running := string(types.VirtualMachineToolsRunningStatusGuestToolsRunning)
	return []types.BaseOptionValue{
		set("guest.ipAddress", ip), // with a NIC, the simulator also sets guest.net[0] and summary.guest.ipAddress
		set("summary.guest.ipAddress", ip),
		set("guest.toolsRunningStatus", running),
		set("summary.guest.toolsRunningStatus", running),
	}
}

func reconfigure(ctx context.Context, vm *object.VirtualMachine, extra []types.BaseOptionValue) error {
	task, err := vm.Reconfigure(ctx, types.VirtualMachineConfigSpec{ExtraConfig: extra})
	if err != nil {
		return err
	}
	return task.Wait(ctx)
}

// pagingCollector is the simulator's PropertyCollector paging like vCenter's: RetrievePropertiesEx
// with options.maxObjects > 0 answers at most that many objects and, when more remain, a token;
// ContinueRetrievePropertiesEx(token) answers the next page (with a new token unless it is the
// last), CancelRetrievePropertiesEx(token) drops the rest; an unknown token is InvalidArgument.
// The rest is kept as retrieved: later pages are a snapshot, as the spec allows.
//
// The simulator calls a SOAP method by name, by reflection, on the object its registry holds for
// the _this moref. For the ServiceContent's collector, each session gets its own instance, made
// with reflect.New of the registered object's type (Session.Get) — so the tokens are per session,
// as in vCenter, and the state below must work from its zero value. CreatePropertyCollector is
// overridden so that session collectors page too. simulator.PropertyCollector is embedded by value
// and first: the simulator digs the mo type out of field 0 (getManagedObject), and sets Self
// through the embedding.
type pagingCollector struct {
	simulator.PropertyCollector

	pagesMu sync.Mutex
	pages   map[string]pendingPages
}

type pendingPages struct {
	rest       []types.ObjectContent
	maxObjects int
}

// usePagingCollector registers a pagingCollector for ServiceContent.propertyCollector, before any
// session has made its own instance from the registered one.
func usePagingCollector() {
	si := simulator.Map.Get(vim25.ServiceInstance).(*simulator.ServiceInstance)
	pc := &pagingCollector{}
	pc.Self = si.Content.PropertyCollector
	simulator.Map.Put(pc)
}

func (pc *pagingCollector) RetrievePropertiesEx(ctx *simulator.Context, r *types.RetrievePropertiesEx) soap.HasFault {
	res := pc.PropertyCollector.RetrievePropertiesEx(ctx, r)
	body, ok := res.(*methods.RetrievePropertiesExBody)
	if !ok || body.Fault_ != nil || body.Res == nil || body.Res.Returnval == nil {
		return res
	}
	body.Res.Returnval.Token = pc.page(&body.Res.Returnval.Objects, int(r.Options.MaxObjects))
	return body
}

func (pc *pagingCollector) ContinueRetrievePropertiesEx(ctx *simulator.Context, r *types.ContinueRetrievePropertiesEx) soap.HasFault {
	pending, ok := pc.take(r.Token)
	if !ok {
		return &methods.ContinueRetrievePropertiesExBody{Fault_: invalidToken()}
	}
	result := types.RetrieveResult{Objects: pending.rest}
	result.Token = pc.page(&result.Objects, pending.maxObjects)
	return &methods.ContinueRetrievePropertiesExBody{Res: &types.ContinueRetrievePropertiesExResponse{Returnval: result}}
}

func (pc *pagingCollector) CancelRetrievePropertiesEx(ctx *simulator.Context, r *types.CancelRetrievePropertiesEx) soap.HasFault {
	if _, ok := pc.take(r.Token); !ok {
		return &methods.CancelRetrievePropertiesExBody{Fault_: invalidToken()}
	}
	return &methods.CancelRetrievePropertiesExBody{Res: &types.CancelRetrievePropertiesExResponse{}}
}

func (pc *pagingCollector) CreatePropertyCollector(ctx *simulator.Context, r *types.CreatePropertyCollector) soap.HasFault {
	return &methods.CreatePropertyCollectorBody{
		Res: &types.CreatePropertyCollectorResponse{Returnval: ctx.Session.Put(&pagingCollector{}).Reference()},
	}
}

// page keeps the first maxObjects of *objects (all if maxObjects <= 0) and returns the token the
// rest is kept under, "" if none remain.
func (pc *pagingCollector) page(objects *[]types.ObjectContent, maxObjects int) string {
	if maxObjects <= 0 || len(*objects) <= maxObjects {
		return ""
	}
	rest := append([]types.ObjectContent(nil), (*objects)[maxObjects:]...)
	*objects = (*objects)[:maxObjects]
	buf := make([]byte, 16)
	if _, err := rand.Read(buf); err != nil {
		log.Fatal(err)
	}
	token := hex.EncodeToString(buf)
	pc.pagesMu.Lock()
	if pc.pages == nil {
		pc.pages = map[string]pendingPages{}
	}
	pc.pages[token] = pendingPages{rest, maxObjects}
	pc.pagesMu.Unlock()
	return token
}

func (pc *pagingCollector) take(token string) (pendingPages, bool) {
	pc.pagesMu.Lock()
	defer pc.pagesMu.Unlock()
	pending, ok := pc.pages[token]
	delete(pc.pages, token)
	return pending, ok
}

func invalidToken() *soap.Fault {
	return simulator.Fault("A specified parameter was not correct: token", &types.InvalidArgument{InvalidProperty: "token"})
}

// serve does what simulator.Service.NewServer does, minus what muster does not use (vapi and
// the other endpoints, the NFC/guest file handlers), on our listener and certificate, with the
// SOAP handler wrapped to count requests.
func serve(svc *simulator.Service, ln net.Listener, cert tls.Certificate, username, password string) *http.Server {
	svc.RegisterSDK(simulator.Map) // makes svc.ServeMux and routes /sdk to svc.ServeSDK
	mux := svc.ServeMux
	mux.HandleFunc(simulator.Map.Path+"/vimServiceVersions.xml", svc.ServiceVersions)
	mux.HandleFunc("/about", svc.About)

	host := ln.Addr().String()
	// SessionManager.Login accepts only these (any non-empty pair with the DefaultLogin pointer).
	svc.Listen = &url.URL{Scheme: "https", Host: host, Path: simulator.Map.Path, User: url.UserPassword(username, password)}
	simulator.Map.SessionManager().ServiceHostName = host

	stats := &stats{methods: map[string]int{}}
	mux.HandleFunc("/muster-stats", stats.get)
	mux.HandleFunc("/muster-stats/reset", stats.reset)

	config := &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: []string{"http/1.1"}, MinVersion: tls.VersionTLS12}
	server := &http.Server{Handler: stats.count(simulator.Map.Path, mux), ErrorLog: log.New(io.Discard, "", 0)}
	go func() {
		if err := server.Serve(tls.NewListener(ln, config)); err != http.ErrServerClosed {
			log.Fatalf("serve: %s", err)
		}
	}()
	return server
}

type stats struct {
	mu       sync.Mutex
	requests int
	methods  map[string]int
}

// count wraps the mux: every POST to the SDK path is a SOAP request; its method is the first
// element inside the envelope's Body.
func (s *stats) count(sdkPath string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == sdkPath {
			body, err := io.ReadAll(r.Body)
			_ = r.Body.Close()
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
			method := soapMethod(body)
			s.mu.Lock()
			s.requests++
			s.methods[method]++
			s.mu.Unlock()
		}
		next.ServeHTTP(w, r)
	})
}

func soapMethod(body []byte) string {
	dec := xml.NewDecoder(bytes.NewReader(body))
	inBody := false
	for {
		tok, err := dec.Token()
		if err != nil {
			return "(unparsable)"
		}
		if start, ok := tok.(xml.StartElement); ok {
			if inBody {
				return start.Name.Local
			}
			inBody = start.Name.Local == "Body"
		}
	}
}

func (s *stats) get(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	}
	s.mu.Lock()
	data, _ := json.Marshal(map[string]interface{}{"requests": s.requests, "methods": s.methods})
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(data)
}

func (s *stats) reset(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	}
	s.mu.Lock()
	s.requests, s.methods = 0, map[string]int{}
	s.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

// selfSignedCert makes a fresh P-256 certificate for 127.0.0.1, ::1 and localhost, valid two days,
// that is its own CA: clients trust it with a CA file holding just it.
func selfSignedCert() (tls.Certificate, []byte) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		log.Fatal(err)
	}
	serial, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 64))
	template := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "muster vcsim"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(48 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, template, template, &key.PublicKey, key)
	if err != nil {
		log.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}
