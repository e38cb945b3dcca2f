<#
.SYNOPSIS
    Shows what hns-cni has made on this node and where HNS and the IPAM disagree.
.DESCRIPTION
    Lists the HNS networks, endpoints and namespaces (through hns-cni.exe, i.e. the same HCN calls the plugin makes),
    the IPAM allocations, and cross-checks them: an hns-cni endpoint without an allocation, an allocation without an
    endpoint, and an endpoint attached to no namespace are the usual suspects after a crash or a lost DEL.
.EXAMPLE
    .\Get-HnsCniState.ps1
.EXAMPLE
    .\Get-HnsCniState.ps1 -Network k8s-pods -AsJson | Out-File state.json
#>
[CmdletBinding()]
param(
    [string]$Exe,
    [string]$Network,
    [switch]$AsJson
)
. (Join-Path $PSScriptRoot 'HnsCni.Common.ps1')
$exePath = Resolve-HnsCniExe -Path $Exe

$networks = @(Invoke-HnsCniJson -Exe $exePath -Arguments @('hns', 'networks', '--json'))
$endpoints = @(Invoke-HnsCniJson -Exe $exePath -Arguments @('hns', 'endpoints', '--json'))
$namespaces = @(Invoke-HnsCniJson -Exe $exePath -Arguments @('hns', 'namespaces', '--json'))
$ipamArgs = @('ipam', '--json')
if ($Network) { $ipamArgs += @('--network', $Network) }
$ipam = Invoke-HnsCniJson -Exe $exePath -Arguments $ipamArgs

$allocations = @($ipam.allocations)
$allocatedIps = @{}
foreach ($a in $allocations) { $allocatedIps[($a.address -split '/')[0]] = $a }

$findings = [System.Collections.Generic.List[string]]::new()
foreach ($ep in $endpoints) {
    $ips = @($ep.IpConfigurations | Where-Object { $_ } | ForEach-Object { $_.IpAddress })
    if (-not $ep.HostComputeNamespace) {
        $findings.Add("endpoint $($ep.Name) ($($ep.ID)) is attached to no namespace")
    }
    foreach ($ip in $ips) {
        if ($ep.Name -like '*hns-cni*' -and -not $allocatedIps.ContainsKey($ip)) {
            $findings.Add("endpoint $($ep.Name) holds $ip but the IPAM has no allocation for it")
        }
    }
}
$endpointIps = @{}
foreach ($ep in $endpoints) {
    foreach ($c in @($ep.IpConfigurations | Where-Object { $_ })) { $endpointIps[$c.IpAddress] = $ep }
}
foreach ($a in $allocations) {
    $ip = ($a.address -split '/')[0]
    if (-not $endpointIps.ContainsKey($ip)) {
        $findings.Add("allocation $ip ($($a.containerId)/$($a.ifName)) has no HNS endpoint")
    }
}

$state = [pscustomobject]@{
    Networks    = $networks
    Endpoints   = $endpoints
    Namespaces  = $namespaces
    Ipam        = $ipam
    Findings    = @($findings)
}
if ($AsJson) {
    $state | ConvertTo-Json -Depth 12
    return
}
Write-Host "== HNS networks ($($networks.Count))"
$networks | Select-Object -Property @('ID', 'Name', 'Type') | Format-Table -AutoSize | Out-Host
Write-Host "== HNS endpoints ($($endpoints.Count))"
$ipColumn = @{ n = 'IP'; e = { @($_.IpConfigurations | Where-Object { $_ } | ForEach-Object { $_.IpAddress }) -join ',' } }
$endpoints | Select-Object -Property @('ID', 'Name', 'MacAddress', 'HostComputeNamespace', $ipColumn) |
    Format-Table -AutoSize | Out-Host
Write-Host "== HCN namespaces ($($namespaces.Count))"
$endpointCount = @{ n = 'Endpoints'; e = { @($_.Resources | Where-Object { $_ }).Count } }
$namespaces | Select-Object -Property @('ID', $endpointCount) | Format-Table -AutoSize | Out-Host
Write-Host "== IPAM allocations ($($allocations.Count))"
$allocations | Format-Table -AutoSize | Out-Host
if ($findings.Count -eq 0) {
    Write-Host 'No inconsistencies found.'
} else {
    Write-Warning "$($findings.Count) inconsistencies:"
    $findings | ForEach-Object { Write-Warning "  $_" }
}
