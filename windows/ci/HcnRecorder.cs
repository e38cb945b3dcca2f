// Raw HCN calls for windows/ci/Record-HnsFacts.ps1 (loaded with Add-Type): each method makes the calls an
// HcnClient operation makes and returns what HNS answered, unchanged: the HRESULT, the output string and the
// ErrorRecord. Nothing is interpreted here; the script records the answers as JSON. Signatures: hns-api.md §1.3.
using System;
using System.Runtime.InteropServices;

public sealed class HcnAnswer
{
    public int Hr;
    public string Output;
    public string ErrorRecord;
}

public static class HcnRecorder
{
    const string Dll = "computenetwork.dll";
    const string V2Query = "{\"SchemaVersion\":{\"Major\":2,\"Minor\":0}}";

    [DllImport(Dll, CharSet = CharSet.Unicode)] static extern int HcnEnumerateNetworks(string query, out IntPtr networks, out IntPtr errorRecord);
    [DllImport(Dll, CharSet = CharSet.Unicode)] static extern int HcnCreateNetwork(ref Guid id, string settings, out IntPtr network, out IntPtr errorRecord);
    [DllImport(Dll, CharSet = CharSet.Unicode)] static extern int HcnOpenNetwork(ref Guid id, out IntPtr network, out IntPtr errorRecord);
    [DllImport(Dll, CharSet = CharSet.Unicode)] static extern int HcnQueryNetworkProperties(IntPtr network, string query, out IntPtr properties, out IntPtr errorRecord);
    [DllImport(Dll, CharSet = CharSet.Unicode)] static extern int HcnDeleteNetwork(ref Guid id, out IntPtr errorRecord);
    [DllImport(Dll)] static extern int HcnCloseNetwork(IntPtr network);

    [DllImport(Dll, CharSet = CharSet.Unicode)] static extern int HcnEnumerateEndpoints(string query, out IntPtr endpoints, out IntPtr errorRecord);
    [DllImport(Dll, CharSet = CharSet.Unicode)] static extern int HcnCreateEndpoint(IntPtr network, ref Guid id, string settings, out IntPtr endpoint, out IntPtr errorRecord);
    [DllImport(Dll, CharSet = CharSet.Unicode)] static extern int HcnOpenEndpoint(ref Guid id, out IntPtr endpoint, out IntPtr errorRecord);
    [DllImport(Dll, CharSet = CharSet.Unicode)] static extern int HcnQueryEndpointProperties(IntPtr endpoint, string query, out IntPtr properties, out IntPtr errorRecord);
    [DllImport(Dll, CharSet = CharSet.Unicode)] static extern int HcnDeleteEndpoint(ref Guid id, out IntPtr errorRecord);
    [DllImport(Dll)] static extern int HcnCloseEndpoint(IntPtr endpoint);

    [DllImport(Dll, CharSet = CharSet.Unicode)] static extern int HcnCreateNamespace(ref Guid id, string settings, out IntPtr ns, out IntPtr errorRecord);
    [DllImport(Dll, CharSet = CharSet.Unicode)] static extern int HcnOpenNamespace(ref Guid id, out IntPtr ns, out IntPtr errorRecord);
    [DllImport(Dll, CharSet = CharSet.Unicode)] static extern int HcnModifyNamespace(IntPtr ns, string settings, out IntPtr errorRecord);
    [DllImport(Dll, CharSet = CharSet.Unicode)] static extern int HcnQueryNamespaceProperties(IntPtr ns, string query, out IntPtr properties, out IntPtr errorRecord);
    [DllImport(Dll, CharSet = CharSet.Unicode)] static extern int HcnDeleteNamespace(ref Guid id, out IntPtr errorRecord);
    [DllImport(Dll)] static extern int HcnCloseNamespace(IntPtr ns);

    [DllImport(Dll, CharSet = CharSet.Unicode)] static extern int HcnCreateLoadBalancer(ref Guid id, string settings, out IntPtr loadBalancer, out IntPtr errorRecord);
    [DllImport(Dll, CharSet = CharSet.Unicode)] static extern int HcnOpenLoadBalancer(ref Guid id, out IntPtr loadBalancer, out IntPtr errorRecord);
    [DllImport(Dll, CharSet = CharSet.Unicode)] static extern int HcnQueryLoadBalancerProperties(IntPtr loadBalancer, string query, out IntPtr properties, out IntPtr errorRecord);
    [DllImport(Dll, CharSet = CharSet.Unicode)] static extern int HcnDeleteLoadBalancer(ref Guid id, out IntPtr errorRecord);
    [DllImport(Dll)] static extern int HcnCloseLoadBalancer(IntPtr loadBalancer);

    // Not on the MS reference pages; hcsshim binds them optionally (hns-api.md §1.3): an older build may lack them.
    [DllImport(Dll, CharSet = CharSet.Unicode)] static extern int HcnCreateSdnRoute(ref Guid id, string settings, out IntPtr route, out IntPtr errorRecord);
    [DllImport(Dll, CharSet = CharSet.Unicode)] static extern int HcnOpenSdnRoute(ref Guid id, out IntPtr route, out IntPtr errorRecord);
    [DllImport(Dll, CharSet = CharSet.Unicode)] static extern int HcnQuerySdnRouteProperties(IntPtr route, string query, out IntPtr properties, out IntPtr errorRecord);
    [DllImport(Dll, CharSet = CharSet.Unicode)] static extern int HcnDeleteSdnRoute(ref Guid id, out IntPtr errorRecord);
    [DllImport(Dll)] static extern int HcnCloseSdnRoute(IntPtr route);

    [DllImport("vmcompute.dll", CharSet = CharSet.Unicode)] static extern int HNSCall(string method, string path, string request, out IntPtr response);

    // Out-strings are CoTaskMemAlloc'd by HNS: read, then free (hns-api.md §1.2).
    static string Take(IntPtr p)
    {
        if (p == IntPtr.Zero) return null;
        string s = Marshal.PtrToStringUni(p);
        Marshal.FreeCoTaskMem(p);
        return s;
    }

    static HcnAnswer Answer(int hr, IntPtr output, IntPtr errorRecord)
    {
        return new HcnAnswer { Hr = hr, Output = Take(output), ErrorRecord = Take(errorRecord) };
    }

    public static HcnAnswer Version()
    {
        return Call("GET", "/globals/version", "");
    }

    // The v1 API: the HRESULT and the {"Success":...} envelope as HNS answers them (hns-api.md §2).
    public static HcnAnswer Call(string method, string path, string request)
    {
        IntPtr response;
        int hr = HNSCall(method, path, request, out response);
        return Answer(hr, response, IntPtr.Zero);
    }

    public static HcnAnswer EnumerateNetworks()
    {
        return EnumerateNetworks(V2Query);
    }

    public static HcnAnswer EnumerateNetworks(string query)
    {
        IntPtr list, error;
        int hr = HcnEnumerateNetworks(query, out list, out error);
        return Answer(hr, list, error);
    }

    public static HcnAnswer EnumerateEndpoints(string query)
    {
        IntPtr list, error;
        int hr = HcnEnumerateEndpoints(query, out list, out error);
        return Answer(hr, list, error);
    }

    public static HcnAnswer CreateNetwork(Guid id, string settings)
    {
        IntPtr handle, error;
        int hr = HcnCreateNetwork(ref id, settings, out handle, out error);
        if (hr < 0) return Answer(hr, IntPtr.Zero, error);
        Take(error);
        return QueryNetwork(handle);
    }

    public static HcnAnswer GetNetwork(Guid id)
    {
        IntPtr handle, error;
        int hr = HcnOpenNetwork(ref id, out handle, out error);
        if (hr < 0) return Answer(hr, IntPtr.Zero, error);
        Take(error);
        return QueryNetwork(handle);
    }

    static HcnAnswer QueryNetwork(IntPtr handle)
    {
        IntPtr properties, error;
        int hr = HcnQueryNetworkProperties(handle, V2Query, out properties, out error);
        HcnCloseNetwork(handle);
        return Answer(hr, properties, error);
    }

    public static HcnAnswer DeleteNetwork(Guid id)
    {
        IntPtr error;
        int hr = HcnDeleteNetwork(ref id, out error);
        return Answer(hr, IntPtr.Zero, error);
    }

    public static HcnAnswer CreateEndpoint(Guid networkId, Guid id, string settings)
    {
        IntPtr network, error;
        int hr = HcnOpenNetwork(ref networkId, out network, out error);
        if (hr < 0) return Answer(hr, IntPtr.Zero, error);
        Take(error);
        IntPtr endpoint;
        hr = HcnCreateEndpoint(network, ref id, settings, out endpoint, out error);
        HcnCloseNetwork(network);
        if (hr < 0) return Answer(hr, IntPtr.Zero, error);
        Take(error);
        return QueryEndpoint(endpoint);
    }

    public static HcnAnswer GetEndpoint(Guid id)
    {
        IntPtr handle, error;
        int hr = HcnOpenEndpoint(ref id, out handle, out error);
        if (hr < 0) return Answer(hr, IntPtr.Zero, error);
        Take(error);
        return QueryEndpoint(handle);
    }

    static HcnAnswer QueryEndpoint(IntPtr handle)
    {
        IntPtr properties, error;
        int hr = HcnQueryEndpointProperties(handle, V2Query, out properties, out error);
        HcnCloseEndpoint(handle);
        return Answer(hr, properties, error);
    }

    public static HcnAnswer DeleteEndpoint(Guid id)
    {
        IntPtr error;
        int hr = HcnDeleteEndpoint(ref id, out error);
        return Answer(hr, IntPtr.Zero, error);
    }

    // Open a handle, delete the endpoint, then query through the handle (hns-api.md §7.13).
    public static HcnAnswer QueryAfterDelete(Guid id)
    {
        IntPtr handle, error;
        int hr = HcnOpenEndpoint(ref id, out handle, out error);
        if (hr < 0) return Answer(hr, IntPtr.Zero, error);
        Take(error);
        IntPtr deleteError;
        HcnDeleteEndpoint(ref id, out deleteError);
        Take(deleteError);
        return QueryEndpoint(handle);
    }

    public static HcnAnswer CreateNamespace(Guid id, string settings)
    {
        IntPtr handle, error;
        int hr = HcnCreateNamespace(ref id, settings, out handle, out error);
        if (hr < 0) return Answer(hr, IntPtr.Zero, error);
        Take(error);
        return QueryNamespace(handle);
    }

    public static HcnAnswer GetNamespace(Guid id)
    {
        IntPtr handle, error;
        int hr = HcnOpenNamespace(ref id, out handle, out error);
        if (hr < 0) return Answer(hr, IntPtr.Zero, error);
        Take(error);
        return QueryNamespace(handle);
    }

    static HcnAnswer QueryNamespace(IntPtr handle)
    {
        IntPtr properties, error;
        int hr = HcnQueryNamespaceProperties(handle, V2Query, out properties, out error);
        HcnCloseNamespace(handle);
        return Answer(hr, properties, error);
    }

    public static HcnAnswer ModifyNamespace(Guid id, string settings)
    {
        IntPtr handle, error;
        int hr = HcnOpenNamespace(ref id, out handle, out error);
        if (hr < 0) return Answer(hr, IntPtr.Zero, error);
        Take(error);
        hr = HcnModifyNamespace(handle, settings, out error);
        HcnCloseNamespace(handle);
        return Answer(hr, IntPtr.Zero, error);
    }

    public static HcnAnswer DeleteNamespace(Guid id)
    {
        IntPtr error;
        int hr = HcnDeleteNamespace(ref id, out error);
        return Answer(hr, IntPtr.Zero, error);
    }

    public static HcnAnswer CreateLoadBalancer(Guid id, string settings)
    {
        IntPtr handle, error;
        int hr = HcnCreateLoadBalancer(ref id, settings, out handle, out error);
        if (hr < 0) return Answer(hr, IntPtr.Zero, error);
        Take(error);
        return QueryLoadBalancer(handle);
    }

    public static HcnAnswer GetLoadBalancer(Guid id)
    {
        IntPtr handle, error;
        int hr = HcnOpenLoadBalancer(ref id, out handle, out error);
        if (hr < 0) return Answer(hr, IntPtr.Zero, error);
        Take(error);
        return QueryLoadBalancer(handle);
    }

    static HcnAnswer QueryLoadBalancer(IntPtr handle)
    {
        IntPtr properties, error;
        int hr = HcnQueryLoadBalancerProperties(handle, V2Query, out properties, out error);
        HcnCloseLoadBalancer(handle);
        return Answer(hr, properties, error);
    }

    public static HcnAnswer DeleteLoadBalancer(Guid id)
    {
        IntPtr error;
        int hr = HcnDeleteLoadBalancer(ref id, out error);
        return Answer(hr, IntPtr.Zero, error);
    }

    public static HcnAnswer CreateSdnRoute(Guid id, string settings)
    {
        IntPtr handle, error;
        int hr = HcnCreateSdnRoute(ref id, settings, out handle, out error);
        if (hr < 0) return Answer(hr, IntPtr.Zero, error);
        Take(error);
        return QuerySdnRoute(handle);
    }

    public static HcnAnswer GetSdnRoute(Guid id)
    {
        IntPtr handle, error;
        int hr = HcnOpenSdnRoute(ref id, out handle, out error);
        if (hr < 0) return Answer(hr, IntPtr.Zero, error);
        Take(error);
        return QuerySdnRoute(handle);
    }

    static HcnAnswer QuerySdnRoute(IntPtr handle)
    {
        IntPtr properties, error;
        int hr = HcnQuerySdnRouteProperties(handle, V2Query, out properties, out error);
        HcnCloseSdnRoute(handle);
        return Answer(hr, properties, error);
    }

    public static HcnAnswer DeleteSdnRoute(Guid id)
    {
        IntPtr error;
        int hr = HcnDeleteSdnRoute(ref id, out error);
        return Answer(hr, IntPtr.Zero, error);
    }
}
