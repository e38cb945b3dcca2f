<#
.SYNOPSIS
    Smoke test of the shipped hns-cni.exe (front) + hns-cni-engine.exe against the REAL Host Networking Service (Windows CI runners), and the
    recorder of what real HNS answers where hns-cni's simulator has an option.
.DESCRIPTION
    The Linux test suite proves the plugin against a simulator through the real FFI path and under Wine; this is the
    one stage that talks to real HNS. It uses NAT mode only: Transparent and L2Bridge bind an external vSwitch to the
    runner's adapter, which interrupts its connectivity. Fails loudly when HNS is missing instead of skipping.
    With -Record FILE it first runs Record-HnsFacts.ps1 (raw HCN calls, one JSON fact per simulator option; see
    docs/simulator.md "Unknowns"), so the facts are recorded even when the plugin smoke test fails.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)][string]$Exe,
    [string]$Subnet = '10.250.7.0/24',
    [string]$Record = ''
)
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
$exePath = (Resolve-Path -LiteralPath $Exe).Path
# The front (hns-cni.exe) starts the engine beside it for everything it does not relay to the node agent: a release
# without the engine is broken, whatever the front answers on its own (VERSION).
$enginePath = Join-Path (Split-Path -Parent $exePath) 'hns-cni-engine.exe'
if (-not (Test-Path -LiteralPath $enginePath)) { throw "$enginePath is missing: the release ships hns-cni.exe and hns-cni-engine.exe together" }
$work = Join-Path $env:RUNNER_TEMP 'hns-cni-smoke'
New-Item -ItemType Directory -Force -Path $work | Out-Null
# hns-cni writes only into directories SYSTEM and Administrators alone can write (docs/security.md). $work inherits
# the runner drive's grants, so the log and the IPAM store go into subdirectories hns-cni creates itself, private.
$env:HNS_CNI_LOG = Join-Path $work 'log\hns-cni.log'
$defaultLog = Join-Path $env:ProgramData 'hns-cni\hns-cni.log'

function Assert-True([bool]$Condition, [string]$Message) {
    if (-not $Condition) { throw "ASSERTION FAILED: $Message" }
    Write-Host "ok - $Message"
}

function Invoke-Cni {
    param([string]$Command, [string]$ContainerId = '', [string]$Netns = '', [string]$IfName = '', [string]$Config)
    $env:CNI_COMMAND = $Command
    $env:CNI_CONTAINERID = $ContainerId
    $env:CNI_NETNS = $Netns
    $env:CNI_IFNAME = $IfName
    $env:CNI_PATH = Split-Path -Parent $exePath
    $env:CNI_ARGS = 'IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=smoke'
    $out = $Config | & $exePath
    [pscustomobject]@{ Exit = $LASTEXITCODE; Output = ($out -join "`n") }
}

$hns = Get-Service -Name hns -ErrorAction SilentlyContinue
if (-not $hns) {
    if ($Record) {
        $os = Get-CimInstance Win32_OperatingSystem
        [ordered]@{ schema = 1; runner = [ordered]@{ image = $env:ImageOS; os = $os.Caption; build = $os.BuildNumber }; error = 'no hns service' } |
            ConvertTo-Json | Set-Content -LiteralPath $Record -Encoding utf8
    }
    throw 'The Host Networking Service (hns) is not installed on this runner: enable the Containers feature.'
}
if ($hns.Status -ne 'Running') { Start-Service hns }

$recordFailed = $false
if ($Record) {
    $global:LASTEXITCODE = 0
    try {
        & (Join-Path $PSScriptRoot 'Record-HnsFacts.ps1') -Out $Record
        $recordFailed = $LASTEXITCODE -ne 0
    } catch {
        Write-Host "recording the HNS facts failed: $_"
        $recordFailed = $true
    }
}

$version = Invoke-Cni -Command VERSION -Config ''
Assert-True ($version.Exit -eq 0) "VERSION answers ($($version.Output))"

$config = @{
    cniVersion = '1.1.0'; name = 'hns-cni-smoke'; type = 'hns-cni'; mode = 'nat'
    clusterCIDR = '10.250.0.0/16'; serviceCIDR = '10.96.0.0/12'
    ipam = @{ subnet = $Subnet; dataDir = (Join-Path $work 'ipam') }
} | ConvertTo-Json -Depth 5 -Compress

$status = Invoke-Cni -Command STATUS -Config $config
Assert-True ($status.Exit -eq 0) "STATUS is ready ($($status.Output))"

$ns = (& $exePath hns namespace-create).Trim()
Assert-True ($LASTEXITCODE -eq 0 -and $ns -match '^[0-9a-fA-F-]{36}$') "namespace created ($ns)"
try {
    $add = Invoke-Cni -Command ADD -ContainerId 'smoke1' -Netns $ns -IfName 'eth0' -Config $config
    Assert-True ($add.Exit -eq 0) "ADD succeeds ($($add.Output))"
    $result = $add.Output | ConvertFrom-Json
    $ip = ($result.ips[0].address -split '/')[0]
    Assert-True ($result.interfaces[0].name -eq 'eth0') 'the result names eth0'

    $endpoints = (& $exePath hns endpoints --json) | ConvertFrom-Json
    $mine = @($endpoints | Where-Object { @($_.IpConfigurations | ForEach-Object { $_.IpAddress }) -contains $ip })
    Assert-True ($mine.Count -eq 1) "exactly one HNS endpoint holds $ip"
    Assert-True ($mine[0].HostComputeNamespace -eq $ns) 'the endpoint is attached to the pod namespace'

    $again = Invoke-Cni -Command ADD -ContainerId 'smoke1' -Netns $ns -IfName 'eth0' -Config $config
    Assert-True ($again.Exit -eq 0 -and ($again.Output | ConvertFrom-Json).ips[0].address -eq $result.ips[0].address) 'repeated ADD returns the same address'

    $checkConfig = ($config | ConvertFrom-Json)
    $checkConfig | Add-Member -NotePropertyName prevResult -NotePropertyValue $result
    $check = Invoke-Cni -Command CHECK -ContainerId 'smoke1' -Netns $ns -IfName 'eth0' -Config ($checkConfig | ConvertTo-Json -Depth 10 -Compress)
    Assert-True ($check.Exit -eq 0) "CHECK passes ($($check.Output))"

    $del = Invoke-Cni -Command DEL -ContainerId 'smoke1' -Netns $ns -IfName 'eth0' -Config $config
    Assert-True ($del.Exit -eq 0) "DEL succeeds ($($del.Output))"
    $del2 = Invoke-Cni -Command DEL -ContainerId 'smoke1' -Netns '' -IfName 'eth0' -Config $config
    Assert-True ($del2.Exit -eq 0) "repeated DEL with an empty netns succeeds ($($del2.Output))"

    $endpoints = @((& $exePath hns endpoints --json) | ConvertFrom-Json)
    $left = @($endpoints | Where-Object { @($_.IpConfigurations | ForEach-Object { $_.IpAddress }) -contains $ip })
    Assert-True ($left.Count -eq 0) 'no endpoint is left behind'

    # A host port (issue 10 F4/F5): the mapping carries LocalRoutedVip as HNS stored it, and CHECK recognises the
    # policy in whatever form real HNS echoes it.
    $portConfig = ($config | ConvertFrom-Json)
    $portConfig | Add-Member -NotePropertyName runtimeConfig -NotePropertyValue ([pscustomobject]@{ portMappings = @([pscustomobject]@{ hostPort = 18081; containerPort = 80; protocol = 'tcp' }) })
    $portJson = $portConfig | ConvertTo-Json -Depth 10 -Compress
    $portAdd = Invoke-Cni -Command ADD -ContainerId 'smoke-ports' -Netns $ns -IfName 'eth1' -Config $portJson
    Assert-True ($portAdd.Exit -eq 0) "ADD with a host port succeeds ($($portAdd.Output))"
    $portResult = $portAdd.Output | ConvertFrom-Json
    $portIp = ($portResult.ips[0].address -split '/')[0]
    $portEp = @((& $exePath hns endpoints --json) | ConvertFrom-Json) | Where-Object { @($_.IpConfigurations | ForEach-Object { $_.IpAddress }) -contains $portIp }
    $mapping = @($portEp.Policies | Where-Object { $_.Type -eq 'PortMapping' })
    Assert-True ($mapping.Count -eq 1 -and [int]$mapping[0].Settings.Flags -eq 1) "the PortMapping carries LocalRoutedVip ($($mapping | ConvertTo-Json -Compress -Depth 5))"
    $portCheckConfig = ($portJson | ConvertFrom-Json)
    $portCheckConfig | Add-Member -NotePropertyName prevResult -NotePropertyValue $portResult
    $portCheck = Invoke-Cni -Command CHECK -ContainerId 'smoke-ports' -Netns $ns -IfName 'eth1' -Config ($portCheckConfig | ConvertTo-Json -Depth 10 -Compress)
    Assert-True ($portCheck.Exit -eq 0) "CHECK recognises the host port policy as HNS echoes it ($($portCheck.Output))"
    $portDel = Invoke-Cni -Command DEL -ContainerId 'smoke-ports' -Netns $ns -IfName 'eth1' -Config $portJson
    Assert-True ($portDel.Exit -eq 0) "DEL of the host-port pod succeeds ($($portDel.Output))"

    $gcConfig = ($config | ConvertFrom-Json)
    $gcConfig | Add-Member -NotePropertyName 'cni.dev/valid-attachments' -NotePropertyValue @()
    $gc = Invoke-Cni -Command GC -Config ($gcConfig | ConvertTo-Json -Depth 10 -Compress)
    Assert-True ($gc.Exit -eq 0) "GC succeeds ($($gc.Output))"
} finally {
    & $exePath hns namespace-delete $ns | Out-Null
    foreach ($log in @($env:HNS_CNI_LOG, $defaultLog)) {
        if (Test-Path -LiteralPath $log) { Write-Host "--- $log"; Get-Content -LiteralPath $log -Tail 50 }
    }
}
if ($recordFailed) { throw "recording the HNS facts failed; see $Record" }
Write-Host 'smoke test passed'
