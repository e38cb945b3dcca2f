<#
.SYNOPSIS
    Records what the REAL Host Networking Service answers wherever hns-cni's simulator has an option (issue 10).
.DESCRIPTION
    The simulator models each behaviour no public source settles as an option with every plausible value, and the
    plugin's tests run under all of them (docs/simulator.md, "Unknowns"). This script makes the same requests of real
    HNS through raw HCN calls (HcnRecorder.cs) and writes, per option, the raw answers (HRESULT, output, ErrorRecord)
    and the option value they correspond to ("observed"; null where the answer fits no modelled value, which is a
    finding too). It creates its own NAT network, endpoints and namespaces, named hns-cni-facts-*, and removes them.
    Options that a CI runner cannot exercise are listed under "notRecorded" with the reason.
.EXAMPLE
    ./windows/ci/Record-HnsFacts.ps1 -Out facts.json
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)][string]$Out,
    [string]$Prefix = '10.251'
)
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

$script:Facts = [ordered]@{}
$script:Created = @{ Networks = @(); Endpoints = @(); Namespaces = @(); LoadBalancers = @(); Routes = @() }
$tag = 'hns-cni-facts-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
$v2 = @{ Major = 2; Minor = 0 }

function Format-Hr([int]$Hr) { if ($Hr -eq 0) { 'ok' } else { '0x{0:X8}' -f $Hr } }

# A member of a parsed JSON object or of a dictionary, or $null when absent (strict mode forbids reading a missing
# property).
function Get-Prop($Object, [string]$Name) {
    if ($null -eq $Object) { return $null }
    if ($Object -is [System.Collections.IDictionary]) {
        if ($Object.Contains($Name)) { return $Object[$Name] }
        return $null
    }
    $p = $Object.PSObject.Properties[$Name]
    if ($p) { return $p.Value }
    return $null
}

function ConvertFrom-Answer($Answer) {
    $parse = {
        param($Text)
        if ([string]::IsNullOrEmpty($Text)) { return $null }
        try { return $Text | ConvertFrom-Json } catch { return $Text }
    }
    [ordered]@{ hr = (Format-Hr $Answer.Hr); output = (& $parse $Answer.Output); errorRecord = (& $parse $Answer.ErrorRecord) }
}

function Add-Fact([string]$Option, $Observed, $Raw) {
    $script:Facts[$Option] = [ordered]@{ observed = $Observed; raw = $Raw }
    Write-Host "fact $Option = $Observed"
}

function ConvertTo-Settings($Value) { $Value | ConvertTo-Json -Depth 10 -Compress }

function Get-GuidCase([string]$Id) {
    if ([string]::IsNullOrEmpty($Id)) { return $null }
    if ($Id -ceq $Id.ToUpperInvariant()) { return 'upper' }
    if ($Id -ceq $Id.ToLowerInvariant()) { return 'lower' }
    return 'mixed'
}

function New-Network([string]$Name, [string]$Subnet, [hashtable]$Extra = @{}, [guid]$Id = [guid]::NewGuid()) {
    $doc = @{
        Name = $Name; Type = 'NAT'; SchemaVersion = $v2
        Ipams = @(@{ Type = 'Static'; Subnets = @(@{ IpAddressPrefix = "$Subnet.0/24"; Routes = @(@{ NextHop = "$Subnet.1"; DestinationPrefix = '0.0.0.0/0' }) }) })
    }
    foreach ($k in $Extra.Keys) { $doc[$k] = $Extra[$k] }
    $answer = [HcnRecorder]::CreateNetwork($Id, (ConvertTo-Settings $doc))
    if ($answer.Hr -ge 0) {
        # The ID HNS gave it (GUID_NULL asks HNS to choose), for the cleanup.
        $given = Get-Prop (Get-Prop (ConvertFrom-Answer $answer) 'output') 'ID'
        $script:Created.Networks += $(if ($given) { [guid]$given } else { $Id })
    }
    return @{ Id = $Id; Answer = $answer }
}

function New-Endpoint([guid]$Network, [hashtable]$Doc) {
    $Doc.SchemaVersion = $v2
    $id = [guid]::NewGuid()
    $answer = [HcnRecorder]::CreateEndpoint($Network, $id, (ConvertTo-Settings $Doc))
    if ($answer.Hr -ge 0) { $script:Created.Endpoints += $id }
    return @{ Id = $id; Answer = $answer }
}

function Set-Attachment([guid]$Namespace, [guid]$Endpoint, [string]$RequestType) {
    $request = @{ ResourceType = 'Endpoint'; RequestType = $RequestType; Settings = @{ EndpointId = $Endpoint.ToString() } }
    return [HcnRecorder]::ModifyNamespace($Namespace, (ConvertTo-Settings $request))
}

# IPv4 routes of one network compartment (the namespace's NamespaceId), as Windows installed them.
function Get-CompartmentRoutes([int]$Compartment) {
    $ifs = @(Get-NetIPInterface -IncludeAllCompartments -AddressFamily IPv4 | Where-Object { $_.CompartmentId -eq $Compartment })
    $indexes = @($ifs | ForEach-Object { $_.ifIndex })
    @(Get-NetRoute -IncludeAllCompartments -AddressFamily IPv4 | Where-Object { $indexes -contains $_.ifIndex } |
        ForEach-Object { [ordered]@{ destination = $_.DestinationPrefix; nextHop = $_.NextHop; routeMetric = $_.RouteMetric; ifIndex = $_.ifIndex } })
}

function Get-HostRoutes {
    @(Get-NetRoute -AddressFamily IPv4 | ForEach-Object { "$($_.DestinationPrefix) via $($_.NextHop) if $($_.ifIndex)" })
}

function Record-Facts {
    $version = [HcnRecorder]::Version()
    $out = Get-Prop (ConvertFrom-Answer $version) 'output'
    $v = Get-Prop $out 'Output'
    Add-Fact 'hnsVersion' ($(if ($v) { "$(Get-Prop $v 'Major').$(Get-Prop $v 'Minor')" } else { $null })) (ConvertFrom-Answer $version)

    $unknown = [guid]'deadbeef-0000-4000-8000-000000000001'
    $netOpen = [HcnRecorder]::GetNetwork($unknown)
    Add-Fact 'networkNotFoundHresult' (Format-Hr $netOpen.Hr) ([ordered]@{ open = (ConvertFrom-Answer $netOpen); delete = (ConvertFrom-Answer ([HcnRecorder]::DeleteNetwork($unknown))) })
    $epOpen = [HcnRecorder]::GetEndpoint($unknown)
    Add-Fact 'endpointNotFoundHresult' (Format-Hr $epOpen.Hr) ([ordered]@{ open = (ConvertFrom-Answer $epOpen); delete = (ConvertFrom-Answer ([HcnRecorder]::DeleteEndpoint($unknown))) })
    $nsOpen = [HcnRecorder]::GetNamespace($unknown)
    Add-Fact 'namespaceNotFoundHresult' (Format-Hr $nsOpen.Hr) ([ordered]@{ open = (ConvertFrom-Answer $nsOpen); delete = (ConvertFrom-Answer ([HcnRecorder]::DeleteNamespace($unknown))) })

    $net = New-Network "$tag-net" "$Prefix.0"
    if ($net.Answer.Hr -lt 0) { throw "creating NAT network $tag-net failed: $(Format-Hr $net.Answer.Hr) $($net.Answer.ErrorRecord)" }
    $netView = Get-Prop (ConvertFrom-Answer $net.Answer) 'output'
    Add-Fact 'networkGuidCase' (Get-GuidCase (Get-Prop $netView 'ID')) (ConvertFrom-Answer $net.Answer)

    $unknownField = New-Network "$tag-unknown" "$Prefix.1" @{ HnsCniUnknownField = 1 }
    Add-Fact 'rejectUnknownFields' ($unknownField.Answer.Hr -lt 0) (ConvertFrom-Answer $unknownField.Answer)
    $sameName = New-Network ("$tag-net".ToUpperInvariant()) "$Prefix.2"
    Add-Fact 'nameMatch' ($(if ($sameName.Answer.Hr -lt 0) { 'insensitive' } else { 'exact' })) (ConvertFrom-Answer $sameName.Answer)

    # F2: an endpoint given one non-default route and no default route.
    $routed = New-Endpoint $net.Id @{
        Name = "$tag-routes"; IpConfigurations = @(@{ IpAddress = "$Prefix.0.10"; PrefixLength = 24 })
        Routes = @(@{ NextHop = "$Prefix.0.1"; DestinationPrefix = '10.99.0.0/16' })
    }
    $routedView = Get-Prop (ConvertFrom-Answer $routed.Answer) 'output'
    Add-Fact 'endpointGuidCase' (Get-GuidCase (Get-Prop $routedView 'ID')) (ConvertFrom-Answer $routed.Answer)
    $routes = @(Get-Prop $routedView 'Routes') | Where-Object { $_ } | ForEach-Object { Get-Prop $_ 'DestinationPrefix' }
    $routesSeen = $(if ($routed.Answer.Hr -lt 0) { $null } elseif ($routes -notcontains '10.99.0.0/16') { 'default-only' } elseif ($routes -contains '0.0.0.0/0') { 'implicit-default' } else { 'as-given' })

    $duplicate = New-Endpoint $net.Id @{ Name = "$tag-dup"; IpConfigurations = @(@{ IpAddress = "$Prefix.0.10"; PrefixLength = 24 }) }
    Add-Fact 'duplicateIpHresult' (Format-Hr $duplicate.Answer.Hr) (ConvertFrom-Answer $duplicate.Answer)

    # F6: a create with the GUID of an existing endpoint.
    $dupId = [HcnRecorder]::CreateEndpoint($net.Id, $routed.Id, (ConvertTo-Settings @{ Name = "$tag-dupid"; SchemaVersion = $v2 }))
    Add-Fact 'duplicateEndpointIdHresult' (Format-Hr $dupId.Hr) (ConvertFrom-Answer $dupId)

    # F7: delete an endpoint, then at once create its GUID again and list it, until the create succeeds (10 s at most).
    $linger = New-Endpoint $net.Id @{ Name = "$tag-linger" }
    $lingerDelete = [HcnRecorder]::DeleteEndpoint($linger.Id)
    $clock = [System.Diagnostics.Stopwatch]::StartNew()
    $byId = ConvertTo-Settings @{ SchemaVersion = $v2; Filter = (ConvertTo-Settings @{ ID = $linger.Id.ToString() }) }
    $listed = [HcnRecorder]::EnumerateEndpoints($byId)
    $firstCreate = $null
    do {
        $again = [HcnRecorder]::CreateEndpoint($net.Id, $linger.Id, (ConvertTo-Settings @{ Name = "$tag-linger"; SchemaVersion = $v2 }))
        if ($null -eq $firstCreate) { $firstCreate = $again }
        if ($again.Hr -lt 0) { Start-Sleep -Milliseconds 100 }
    } while ($again.Hr -lt 0 -and $clock.ElapsedMilliseconds -lt 10000)
    if ($again.Hr -ge 0) { $script:Created.Endpoints += $linger.Id }
    $stillListed = ($listed.Hr -ge 0) -and ("$($listed.Output)" -imatch [regex]::Escape($linger.Id.ToString()))
    $lingerRaw = [ordered]@{ delete = (ConvertFrom-Answer $lingerDelete); listedAfterDelete = (ConvertFrom-Answer $listed); firstCreate = (ConvertFrom-Answer $firstCreate); lastCreate = (ConvertFrom-Answer $again) }
    Add-Fact 'endpointDeleteLinger' ($(if ($lingerDelete.Hr -lt 0) { $null } elseif ($stillListed) { 'still-listed' } elseif ($firstCreate.Hr -lt 0) { 'blocks-create' } else { 'none' })) $lingerRaw
    Add-Fact 'endpointDeleteLingerMs' ($(if ($again.Hr -ge 0) { $clock.ElapsedMilliseconds } else { $null })) $lingerRaw

    # F4/F5: a host port with LocalRoutedVip, and a policy with a key in another spelling and numbers.
    $sent = @(
        @{ Type = 'PortMapping'; Settings = @{ InternalPort = 80; ExternalPort = 18080; Protocol = 6; VIP = ''; Flags = 1 } },
        @{ Type = 'ACL'; Settings = @{ Protocols = '6'; Action = 'Allow'; Direction = 'In'; localPorts = '80'; Priority = 300 } }
    )
    $hostRoutesBefore = Get-HostRoutes
    $policied = New-Endpoint $net.Id @{ Name = "$tag-policies"; Policies = $sent }
    $echo = @(Get-Prop (Get-Prop (ConvertFrom-Answer $policied.Answer) 'output') 'Policies')
    $pm = Get-Prop ($echo | Where-Object { $_ -and (Get-Prop $_ 'Type') -eq 'PortMapping' } | Select-Object -First 1) 'Settings'
    $acl = Get-Prop ($echo | Where-Object { $_ -and (Get-Prop $_ 'Type') -eq 'ACL' } | Select-Object -First 1) 'Settings'
    $policyRaw = [ordered]@{ sent = $sent; answer = (ConvertFrom-Answer $policied.Answer) }
    $empty = $(if ($null -eq $pm) { $null } elseif ($null -eq $pm.PSObject.Properties['VIP']) { 'omit-empty' } elseif ($acl -and $acl.PSObject.Properties['RemoteAddresses']) { 'fill-defaults' } else { 'verbatim' })
    Add-Fact 'policyEchoEmpty' $empty $policyRaw
    $protocol = Get-Prop $pm 'Protocol'
    Add-Fact 'policyEchoScalars' ($(if ($null -eq $protocol) { $null } elseif ($protocol -is [string] -and $protocol -match '^\d+$') { 'strings' } elseif ($protocol -is [string]) { 'protocol-names' } else { 'as-given' })) $policyRaw
    $keys = @($(if ($acl) { $acl.PSObject.Properties | ForEach-Object { $_.Name } }))
    Add-Fact 'policyEchoKeyCase' ($(if ($keys -ccontains 'localPorts') { 'as-given' } elseif ($keys -ccontains 'LocalPorts') { 'schema' } else { $null })) $policyRaw

    # Namespaces: attach, the Resources key, the compartment's routes, detach of an endpoint that is not attached.
    $ns1 = [guid]::NewGuid(); $ns2 = [guid]::NewGuid()
    $ns1Answer = [HcnRecorder]::CreateNamespace($ns1, (ConvertTo-Settings @{ SchemaVersion = $v2 }))
    if ($ns1Answer.Hr -ge 0) { $script:Created.Namespaces += $ns1 }
    if ([HcnRecorder]::CreateNamespace($ns2, (ConvertTo-Settings @{ SchemaVersion = $v2 })).Hr -ge 0) { $script:Created.Namespaces += $ns2 }
    Add-Fact 'namespaceGuidCase' (Get-GuidCase (Get-Prop (Get-Prop (ConvertFrom-Answer $ns1Answer) 'output') 'ID')) (ConvertFrom-Answer $ns1Answer)

    $attach = Set-Attachment $ns1 $routed.Id 'Add'
    $nsView = Get-Prop (ConvertFrom-Answer ([HcnRecorder]::GetNamespace($ns1))) 'output'
    $data = Get-Prop (@(Get-Prop $nsView 'Resources') | Where-Object { $_ } | Select-Object -First 1) 'Data'
    $key = $(if ($data -and $data.PSObject.Properties['ID']) { ($data.PSObject.Properties | Where-Object { $_.Name -ieq 'ID' } | Select-Object -First 1).Name } else { $null })
    Add-Fact 'namespaceResourceIdKey' $key ([ordered]@{ attach = (ConvertFrom-Answer $attach); namespace = $nsView })
    $compartment = [int](Get-Prop $nsView 'NamespaceId')
    $compartmentRoutes = $(try { Get-CompartmentRoutes $compartment } catch { "Get-NetRoute failed: $_" })
    Add-Fact 'endpointRoutes' $routesSeen ([ordered]@{ answer = (ConvertFrom-Answer $routed.Answer); compartment = $compartment; compartmentRoutes = $compartmentRoutes })

    $notAttached = Set-Attachment $ns1 $policied.Id 'Remove'
    Add-Fact 'detachNotAttachedHresult' (Format-Hr $notAttached.Hr) (ConvertFrom-Answer $notAttached)
    $elsewhere = Set-Attachment $ns2 $routed.Id 'Add'
    Add-Fact 'attachElsewhereHresult' (Format-Hr $elsewhere.Hr) (ConvertFrom-Answer $elsewhere)

    $attachPorts = Set-Attachment $ns1 $policied.Id 'Add'
    $hostRoutesAfter = Get-HostRoutes
    $added = @($hostRoutesAfter | Where-Object { $hostRoutesBefore -notcontains $_ })
    Add-Fact 'localRoutedVip' $null ([ordered]@{ attach = (ConvertFrom-Answer $attachPorts); hostRoutesAdded = $added; echoedFlags = (Get-Prop $pm 'Flags') })

    Record-PolicyListFacts $net.Id $unknown
    Record-V1Facts

    $stale = New-Endpoint $net.Id @{ Name = "$tag-stale" }
    $afterDelete = [HcnRecorder]::QueryAfterDelete($stale.Id)
    Add-Fact 'staleHandleHresult' (Format-Hr $afterDelete.Hr) (ConvertFrom-Answer $afterDelete)

    $deleteAttached = [HcnRecorder]::DeleteEndpoint($routed.Id)
    Add-Fact 'endpointDeleteWhileAttached' ($(if ($deleteAttached.Hr -ge 0) { 'detach' } else { 'error' })) (ConvertFrom-Answer $deleteAttached)
    $deleteNs = [HcnRecorder]::DeleteNamespace($ns1)
    Add-Fact 'namespaceDeleteWithEndpoints' ($(if ($deleteNs.Hr -ge 0) { 'detach' } else { 'error' })) (ConvertFrom-Answer $deleteNs)
    $deleteNet = [HcnRecorder]::DeleteNetwork($net.Id)
    $left = [HcnRecorder]::GetEndpoint($policied.Id)
    Add-Fact 'networkDeleteWithEndpoints' ($(if ($deleteNet.Hr -ge 0) { 'cascade' } else { 'error' })) ([ordered]@{ delete = (ConvertFrom-Answer $deleteNet); endpointAfter = (ConvertFrom-Answer $left) })
}

# The simulator options for load balancers, SDN routes, enumerate and create-by-document (the peers' options).
function Record-PolicyListFacts([guid]$Network, [guid]$Unknown) {
    $filter = ConvertTo-Settings @{ Name = "$tag-none" }
    $nothing = [HcnRecorder]::EnumerateNetworks((ConvertTo-Settings @{ SchemaVersion = $v2; Filter = $filter }))
    Add-Fact 'enumerateEmptyOutput' ($(if ($nothing.Hr -lt 0) { $null } elseif ($null -eq $nothing.Output) { 'null' } else { 'array' })) (ConvertFrom-Answer $nothing)

    $docId = [guid]::NewGuid()
    $byDoc = New-Network "$tag-docid" "$Prefix.3" @{ ID = $docId.ToString() } ([guid]::Empty)
    $givenId = Get-Prop (Get-Prop (ConvertFrom-Answer $byDoc.Answer) 'output') 'ID'
    Add-Fact 'createDocumentId' ($(if ($byDoc.Answer.Hr -lt 0) { $null } elseif ("$givenId" -ieq $docId.ToString()) { 'honoured' } else { 'ignored' })) (ConvertFrom-Answer $byDoc.Answer)

    try {
        $lbOpen = [HcnRecorder]::GetLoadBalancer($Unknown)
        Add-Fact 'loadBalancerNotFoundHresult' (Format-Hr $lbOpen.Hr) ([ordered]@{ open = (ConvertFrom-Answer $lbOpen); delete = (ConvertFrom-Answer ([HcnRecorder]::DeleteLoadBalancer($Unknown))) })
        $lbDoc = @{
            SchemaVersion = $v2; HostComputeEndpoints = @($Unknown.ToString()); FrontendVIPs = @("$Prefix.0.200")
            PortMappings = @(@{ Protocol = 6; InternalPort = 80; ExternalPort = 8090 })
        }
        $toUnknown = [HcnRecorder]::CreateLoadBalancer([guid]::NewGuid(), (ConvertTo-Settings $lbDoc))
        if ($toUnknown.Hr -ge 0) { $script:Created.LoadBalancers += [guid](Get-Prop (Get-Prop (ConvertFrom-Answer $toUnknown) 'output') 'ID') }
        Add-Fact 'policyListUnknownEndpoint' ($(if ($toUnknown.Hr -lt 0) { 'error' } else { 'accept' })) (ConvertFrom-Answer $toUnknown)

        $member = New-Endpoint $Network @{ Name = "$tag-lb" }
        $lbDoc.HostComputeEndpoints = @($member.Id.ToString())
        $lbId = [guid]::NewGuid()
        $lb = [HcnRecorder]::CreateLoadBalancer($lbId, (ConvertTo-Settings $lbDoc))
        if ($lb.Hr -ge 0) { $script:Created.LoadBalancers += $lbId }
        Add-Fact 'loadBalancerGuidCase' (Get-GuidCase (Get-Prop (Get-Prop (ConvertFrom-Answer $lb) 'output') 'ID')) (ConvertFrom-Answer $lb)
        $deleteMember = [HcnRecorder]::DeleteEndpoint($member.Id)
        $lbAfter = [HcnRecorder]::GetLoadBalancer($lbId)
        Add-Fact 'endpointDeleteWithPolicyLists' ($(if ($lb.Hr -lt 0) { $null } elseif ($deleteMember.Hr -ge 0) { 'prune' } else { 'error' })) ([ordered]@{ delete = (ConvertFrom-Answer $deleteMember); loadBalancerAfter = (ConvertFrom-Answer $lbAfter) })
    } catch {
        Write-Host "load balancer facts stopped: $_"
    }

    try {
        $routeOpen = [HcnRecorder]::GetSdnRoute($Unknown)
        Add-Fact 'routeNotFoundHresult' (Format-Hr $routeOpen.Hr) ([ordered]@{ open = (ConvertFrom-Answer $routeOpen); delete = (ConvertFrom-Answer ([HcnRecorder]::DeleteSdnRoute($Unknown))) })
        $hop = New-Endpoint $Network @{ Name = "$tag-route" }
        $routeDoc = @{
            SchemaVersion = $v2; HostComputeEndpoints = @($hop.Id.ToString())
            Routes = @(@{ DestinationPrefix = '10.98.0.0/16'; NextHop = "$Prefix.0.1"; NeedEncap = $true })
        }
        $routeId = [guid]::NewGuid()
        $route = [HcnRecorder]::CreateSdnRoute($routeId, (ConvertTo-Settings $routeDoc))
        if ($route.Hr -ge 0) { $script:Created.Routes += $routeId }
        $routeView = Get-Prop (ConvertFrom-Answer $route) 'output'
        Add-Fact 'routeGuidCase' (Get-GuidCase (Get-Prop $routeView 'ID')) (ConvertFrom-Answer $route)
        $routeKey = $(if ($null -ne (Get-Prop $routeView 'Routes')) { 'Routes' } elseif ($null -ne (Get-Prop $routeView 'Setting')) { 'Setting' } else { $null })
        Add-Fact 'sdnRouteOutputKey' $routeKey ([ordered]@{ sent = $routeDoc; answer = (ConvertFrom-Answer $route) })
    } catch {
        # An older computenetwork.dll has no Hcn*SdnRoute exports (hcsshim binds them optionally).
        Write-Host "SDN route facts stopped: $_"
    }
}

# How the v1 API reports a missing object and a refused request (`v1FailureStyle`).
function Record-V1Facts {
    $missing = [HcnRecorder]::Call('DELETE', '/endpoints/deadbeef-0000-4000-8000-000000000001', '')
    $duplicate = [HcnRecorder]::Call('POST', '/networks/', (ConvertTo-Settings @{
        Name = "$tag-net"; Type = 'NAT'; Subnets = @(@{ AddressPrefix = "$Prefix.4.0/24"; GatewayAddress = "$Prefix.4.1" })
    }))
    $styleOf = {
        param($Answer)
        if ($Answer.Hr -lt 0) { return 'hresult' }
        $envelope = $(try { $Answer.Output | ConvertFrom-Json } catch { $null })
        if ($envelope -and (Get-Prop $envelope 'Success') -eq $false) { return 'envelope' }
        return 'success'
    }
    $m = & $styleOf $missing
    $d = & $styleOf $duplicate
    if ($d -eq 'success') {
        $made = Get-Prop (Get-Prop ($duplicate.Output | ConvertFrom-Json) 'Output') 'ID'
        if ($made) { $script:Created.Networks += [guid]$made }
    }
    $style = $(if ($m -eq 'envelope' -and $d -eq 'hresult') { 'mixed' } elseif ($m -eq $d -and $m -ne 'success') { $m } else { $null })
    Add-Fact 'v1FailureStyle' $style ([ordered]@{ deleteMissingEndpoint = (ConvertFrom-Answer $missing); duplicateNetwork = (ConvertFrom-Answer $duplicate) })
}

function Remove-Created {
    foreach ($id in $script:Created.LoadBalancers) { [void][HcnRecorder]::DeleteLoadBalancer($id) }
    foreach ($id in $script:Created.Routes) { [void][HcnRecorder]::DeleteSdnRoute($id) }
    foreach ($ns in $script:Created.Namespaces) {
        foreach ($ep in $script:Created.Endpoints) { [void](Set-Attachment $ns $ep 'Remove') }
    }
    foreach ($id in $script:Created.Namespaces) { [void][HcnRecorder]::DeleteNamespace($id) }
    foreach ($id in $script:Created.Endpoints) { [void][HcnRecorder]::DeleteEndpoint($id) }
    foreach ($id in $script:Created.Networks) { [void][HcnRecorder]::DeleteNetwork($id) }
}

$os = Get-CimInstance Win32_OperatingSystem
$document = [ordered]@{
    schema = 1
    recordedAt = (Get-Date).ToUniversalTime().ToString('o')
    runner = [ordered]@{ image = $env:ImageOS; os = $os.Caption; version = $os.Version; build = $os.BuildNumber }
    facts = $script:Facts
    notRecorded = [ordered]@{
        adapterSelection = 'needs a host with two NICs and an external vSwitch: binding one takes a CI runner off the network'
        vswitchBlipDelaysCall = 'needs an external vSwitch (see adapterSelection)'
        natFixture = 'Docker/containerd decide whether a nat network exists; recorded as the host networks below'
        overlayLowVsid = 'an Overlay network binds an external vSwitch (see adapterSelection)'
        overlaySubnetVsid = 'an Overlay network binds an external vSwitch (see adapterSelection)'
        ipv6BeforeDualStack = 'every runner image has HNS 11.10 or later: the answer of an older build is out of reach'
        vxlanPortBeforeSupport = 'every runner image has HNS 10.3 or later (and VxlanPort needs an Overlay network, see adapterSelection)'
        routePrefixHostBits = 'CreateIpForwardEntry2 is IP Helper, not HNS: changing the routing table of the runner is out of the scope of this recorder'
        vswitchHostInterface = 'needs an external vSwitch (see adapterSelection)'
        overlayHostAttach = 'an Overlay network binds an external vSwitch (see adapterSelection)'
    }
    adapters = @(Get-NetAdapter | ForEach-Object { [ordered]@{ name = $_.Name; status = "$($_.Status)"; description = $_.InterfaceDescription } })
    hostNetworks = $null
    error = $null
}
try {
    Add-Type -Path (Join-Path $PSScriptRoot 'HcnRecorder.cs')
    $document.hostNetworks = ConvertFrom-Answer ([HcnRecorder]::EnumerateNetworks())
    Record-Facts
} catch {
    $document.error = "$_"
    Write-Host "recording stopped: $_"
} finally {
    if ('HcnRecorder' -as [type]) { Remove-Created }
    $document | ConvertTo-Json -Depth 20 | Set-Content -LiteralPath $Out -Encoding utf8
    Write-Host "facts written to $Out"
}
if ($document.error) { exit 1 }
