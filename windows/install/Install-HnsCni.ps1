<#
.SYNOPSIS
    Installs, upgrades or uninstalls hns-cni on a Windows node that is not managed by the DaemonSet in deploy/.
.DESCRIPTION
    Install (the default): runs `hns-cni.exe install` from the given release directory's hns-cni.exe (the native
    front) with hns-cni-engine.exe (the Node engine) beside it. It copies the pair into containerd's CNI bin dir,
    the engine first, by rename-then-replace (a running CNI call keeps its copy) and writes 10-hns-cni.conflist with the
    node's pod subnet, never over a conflist it did not write unless -Force. A bin or conf dir other users may write
    to is refused (they would run code as SYSTEM), with the icacls commands that close it; -AllowUnsafeDirs installs
    anyway. Then prepares the node once
    (`hns-cni.exe node --once`) and, with -Service, registers `hns-cni.exe node` as a Windows service.
    Uninstall: stops and removes the service, runs `hns-cni.exe uninstall` (routes, host endpoints, networks, files,
    data directory; refused while pods use the networks unless -Force), then deletes the copies Windows would not
    let the running executables delete, and shows `hns-cni.exe node status` is empty.
.EXAMPLE
    .\Install-HnsCni.ps1 -Source .\hns-cni.exe -Subnet 10.244.3.0/24 -ClusterCidr 10.244.0.0/16 -ServiceCidr 10.96.0.0/12
.EXAMPLE
    .\Install-HnsCni.ps1 -Source .\hns-cni.exe -FromNode -ClusterCidr 10.244.0.0/16 -ServiceCidr 10.96.0.0/12 -Service
.EXAMPLE
    .\Install-HnsCni.ps1 -Uninstall
#>
[CmdletBinding(DefaultParameterSetName = 'Install')]
param(
    [Parameter(ParameterSetName = 'Install', Mandatory = $true)]
    [string]$Source,
    [Parameter(ParameterSetName = 'Install')]
    [string]$Subnet,
    [Parameter(ParameterSetName = 'Install')]
    [switch]$FromNode,
    [Parameter(ParameterSetName = 'Install')]
    [string]$ClusterCidr,
    [Parameter(ParameterSetName = 'Install')]
    [string]$ServiceCidr,
    [Parameter(ParameterSetName = 'Install')]
    [ValidateSet('l2bridge', 'transparent', 'nat')]
    [string]$Mode = 'l2bridge',
    [Parameter(ParameterSetName = 'Install')]
    [string]$Kubeconfig = 'C:\k\config',
    [Parameter(ParameterSetName = 'Install')]
    [switch]$Service,
    [Parameter(ParameterSetName = 'Install')]
    [switch]$AllowUnsafeDirs,
    [Parameter(ParameterSetName = 'Uninstall', Mandatory = $true)]
    [switch]$Uninstall,
    [string]$BinDir = 'C:\Program Files\containerd\cni\bin',
    [string]$ConfDir = 'C:\Program Files\containerd\cni\conf',
    [switch]$Force
)
$ErrorActionPreference = 'Stop'
$serviceName = 'hns-cni-node'
$installed = Join-Path $BinDir 'hns-cni.exe'
# Set aside by an upgrade or the uninstall while running: the front and the engine (src/node/install-pair.ts).
$asideFilters = @('hns-cni.exe.old-*', 'hns-cni-engine.exe.old-*')

function Invoke-HnsCniExe {
    param([string]$Exe, [string[]]$Arguments)
    & $Exe @Arguments
    if ($LASTEXITCODE -ne 0) { throw "hns-cni.exe $($Arguments -join ' ') failed with exit code $LASTEXITCODE" }
}

if ($Uninstall) {
    $svc = Get-Service -Name $serviceName -ErrorAction SilentlyContinue
    if ($svc) {
        Stop-Service -Name $serviceName -Force
        & sc.exe delete $serviceName | Out-Null
    }
    if (-not (Test-Path -LiteralPath $installed)) { throw "hns-cni is not installed in $BinDir" }
    # The installed pair runs its own uninstall: a running image cannot be deleted, so the front and the engine are
    # renamed aside (hns-cni[-engine].exe.old-<ms>) and the koffi module stays loaded; all go here once they exited.
    # Never a copy in $env:TEMP: for LocalSystem that is C:\Windows\Temp, where any user can plant the koffi module
    # the copy would load (docs/security.md, row 1).
    $arguments = @('uninstall', '--bin-dir', $BinDir, '--conf-dir', $ConfDir)
    if ($Force) { $arguments += '--force' }
    Invoke-HnsCniExe -Exe $installed -Arguments $arguments
    # The engine runs on its own (a set-aside front would look for hns-cni-engine.exe beside it, now gone).
    $aside = @(Get-ChildItem -LiteralPath $BinDir -Filter 'hns-cni-engine.exe.old-*' -ErrorAction SilentlyContinue)
    if ($aside.Count -eq 0) { $aside = @(Get-ChildItem -LiteralPath $BinDir -Filter 'hns-cni.exe.old-*' -ErrorAction SilentlyContinue) }
    if ($aside.Count -gt 0) {
        # The set-aside copy (administrators-only bin dir) proves the node is clean, then goes too. Its log goes to the
        # bin dir, not to C:\ProgramData\hns-cni, which the uninstall has just removed.
        $env:HNS_CNI_LOG = Join-Path $BinDir 'hns-cni-uninstall.log'
        try {
            Invoke-HnsCniExe -Exe $aside[-1].FullName -Arguments @('node', 'status', '--bin-dir', $BinDir, '--conf-dir', $ConfDir)
        } finally {
            Remove-Item Env:\HNS_CNI_LOG
        }
    }
    Get-ChildItem -LiteralPath $BinDir -ErrorAction SilentlyContinue |
        Where-Object { $_.Name -like $asideFilters[0] -or $_.Name -like $asideFilters[1] -or $_.Name -like 'hns-cni-uninstall*.log' -or
            $_.Name -match '^koffi-[0-9a-f]{16}\.node$' } |
        Remove-Item -Force -ErrorAction SilentlyContinue
    return
}

$front = (Resolve-Path -LiteralPath $Source).Path
$engine = Join-Path (Split-Path -Parent $front) 'hns-cni-engine.exe'
if (-not (Test-Path -LiteralPath $engine)) { throw "$engine is missing: a release ships hns-cni.exe and hns-cni-engine.exe in one directory" }
$arguments = @('install', '--bin-dir', $BinDir, '--conf-dir', $ConfDir, '--source', $engine, '--front', $front,
    '--mode', $Mode, '--cluster-cidr', $ClusterCidr, '--service-cidr', $ServiceCidr)
if ($FromNode) { $arguments += @('--from-node', '--kubeconfig', $Kubeconfig) } else { $arguments += @('--subnet', $Subnet) }
if ($Force) { $arguments += '--force' }
if ($AllowUnsafeDirs) { $arguments += '--allow-unsafe-dirs' }
Invoke-HnsCniExe -Exe $front -Arguments $arguments
Invoke-HnsCniExe -Exe $installed -Arguments @('node', '--once', '--conf-dir', $ConfDir, '--kubeconfig', $Kubeconfig)
if ($Service) {
    if (-not (Get-Service -Name $serviceName -ErrorAction SilentlyContinue)) {
        $binPath = '"{0}" node --conf-dir "{1}" --kubeconfig "{2}"' -f $installed, $ConfDir, $Kubeconfig
        New-Service -Name $serviceName -BinaryPathName $binPath -StartupType Automatic -DisplayName 'hns-cni node agent' | Out-Null
    }
    Start-Service -Name $serviceName
}
Invoke-HnsCniExe -Exe $installed -Arguments @('node', 'status', '--bin-dir', $BinDir, '--conf-dir', $ConfDir)
